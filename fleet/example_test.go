package fleet_test

import (
	"context"
	"fmt"
	"strings"

	"github.com/egovbench/egovbench/fleet"
)

// A crawler reaches the fleet through Resolve (here via the ready-made
// Client, which dials only fleet addresses and trusts the fleet CA).
func ExampleStart() {
	f, err := fleet.Start(context.Background(), fleet.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()

	s, _ := f.Site("kota-sentosa")
	fmt.Println(s.Target.URL, s.TrueStage, s.Outcome)

	resp, err := f.Client().Get(s.Target.URL) // the apex redirects to www
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.StatusCode, resp.Header.Get("Location"))

	var csv strings.Builder
	f.TargetsCSV(&csv)
	fmt.Println(strings.SplitN(csv.String(), "\n", 2)[0])
	// Output:
	// https://kotasentosa.go.id/ transaction ok
	// 301 https://www.kotasentosa.go.id/
	// id,name,url,level,region,parent,country,lang
}
