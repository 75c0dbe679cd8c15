// Package natstest runs a real NATS server with JetStream inside a test or
// benchmark process, on loopback, so the distributed path is tested against
// the broker itself rather than a mock.
package natstest

import (
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// Start runs a server on 127.0.0.1:port (0 picks a free port) keeping its
// streams in dir; start another on the same port and dir to simulate a
// restart. Call Shutdown and WaitForShutdown to stop it.
func Start(dir string, port int) (*server.Server, error) {
	if port == 0 {
		port = server.RANDOM_PORT
	}
	s, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: port, JetStream: true, StoreDir: dir,
		NoLog: true, NoSigs: true, MaxPayload: 8 << 20,
	})
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("nats server on port %d did not start", port)
	}
	return s, nil
}
