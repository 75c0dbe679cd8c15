package fleet

import (
	"bytes"
	"html/template"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// fillStrings sets every string field reachable from v to s, and gives
// slices one element, so a render exercises every text insertion point.
func fillStrings(v reflect.Value, s string) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		fillStrings(v.Elem(), s)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			f := v.Field(i)
			// Raw fields carry markup on purpose; they are the exception.
			if f.Type() == reflect.TypeFor[template.HTML]() || f.Type() == reflect.TypeFor[template.URL]() {
				continue
			}
			fillStrings(f, s)
		}
	case reflect.Slice:
		if v.Len() == 0 {
			v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		}
		for i := 0; i < v.Len(); i++ {
			fillStrings(v.Index(i), s)
		}
	case reflect.String:
		v.SetString(s)
	case reflect.Bool:
		v.SetBool(true)
	}
}

func TestRenderEscapesEverything(t *testing.T) {
	const evil = `"'><x-evil onclick=1>&amp;</title></textarea><script>`
	for _, typ := range []string{"text", "textarea", "select", "radio", "hidden"} {
		t.Run(typ, func(t *testing.T) {
			var p pageData
			fillStrings(reflect.ValueOf(&p), evil)
			p.Blocks[0].Form.Fields[0].Type = typ
			p.Blocks[0].Form.Fields[0].Options = []string{evil}
			var buf bytes.Buffer
			r, _ := newRenderer()
			if err := r.render(&buf, &p); err != nil {
				t.Fatal(err)
			}
			out := buf.String()
			if strings.Contains(out, "<x-evil") || strings.Contains(out, "<script") {
				t.Fatalf("unescaped markup in output:\n%s", out)
			}
			// The evil text must survive as text: every occurrence decodes back.
			doc, err := html.Parse(strings.NewReader(out))
			if err != nil {
				t.Fatal(err)
			}
			var walk func(*html.Node)
			walk = func(n *html.Node) {
				if n.Type == html.ElementNode && (n.Data == "x-evil" || n.Data == "script") {
					t.Errorf("element <%s> injected", n.Data)
				}
				for _, a := range n.Attr {
					if strings.HasPrefix(a.Key, "on") {
						t.Errorf("event handler attribute %q injected on <%s>", a.Key, n.Data)
					}
				}
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					walk(c)
				}
			}
			walk(doc)
			if !strings.Contains(out, template.HTMLEscapeString(evil)) {
				t.Error("escaped text not found in output")
			}
		})
	}
}

func BenchmarkRenderHome(b *testing.B) {
	f := startFleet(b, Options{})
	s := f.byHost["www.kotasentosa.go.id"]
	r, _ := newRenderer()
	var buf bytes.Buffer
	b.ReportAllocs()
	for b.Loop() {
		buf.Reset()
		if err := r.render(&buf, s.home(pageCtx{ref: f.opts.RefDate})); err != nil {
			b.Fatal(err)
		}
	}
}
