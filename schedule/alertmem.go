package schedule

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/egovbench/egovbench"
)

// memAlertStore is the AlertStore of an alerter without a database (tests,
// embedders): the same rules as the database's, lost on exit.
type memAlertStore struct {
	mu     sync.Mutex
	states map[string]egovbench.AlertState
	queue  []egovbench.Alert // pending, oldest first
	keys   map[string]bool   // every key ever queued
}

func newMemAlertStore() *memAlertStore {
	return &memAlertStore{states: map[string]egovbench.AlertState{}, keys: map[string]bool{}}
}

func (m *memAlertStore) AlertStates(context.Context) ([]egovbench.AlertState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]egovbench.AlertState, 0, len(m.states))
	for _, s := range m.states {
		out = append(out, s)
	}
	return out, nil
}

func (m *memAlertStore) SaveAlerts(_ context.Context, states []egovbench.AlertState, alerts []egovbench.Alert, maxPending int, sending string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, s := range states {
		m.states[s.TargetID] = s
	}
	for _, a := range alerts {
		if m.keys[a.Key] {
			continue
		}
		m.keys[a.Key] = true
		a.Status, a.NextAttempt = egovbench.AlertPending, a.CreatedAt
		m.queue = append(m.queue, a)
	}
	var dropped []string
	if maxPending > 0 {
		// The alert being sent may be anywhere in the queue (a target's
		// retried alert does not hold the others), and is never dropped.
		busy := 0
		for _, a := range m.queue {
			if a.Key == sending {
				busy = 1
			}
		}
		for over := len(m.queue) - busy - maxPending; over > 0; over-- {
			i := 0
			if m.queue[0].Key == sending {
				i = 1
			}
			dropped = append(dropped, m.queue[i].Key)
			m.queue = append(m.queue[:i:i], m.queue[i+1:]...)
		}
	}
	return dropped, nil
}

func (m *memAlertStore) PendingAlerts(_ context.Context, limit int) ([]egovbench.Alert, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]egovbench.Alert(nil), m.queue[:min(limit, len(m.queue))]...), nil
}

func (m *memAlertStore) AlertAttempted(_ context.Context, key string, status egovbench.AlertStatus, next time.Time, lastErr string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for i := range m.queue {
		if m.queue[i].Key != key {
			continue
		}
		switch status {
		case egovbench.AlertPending:
			m.queue[i].Attempts++
			m.queue[i].NextAttempt, m.queue[i].LastError = next, lastErr
		case egovbench.AlertDelivered, egovbench.AlertFailed:
			m.queue = append(m.queue[:i:i], m.queue[i+1:]...)
		default:
			return fmt.Errorf("alert %s: status %q after an attempt: %w", key, status, egovbench.ErrInvalid)
		}
		return nil
	}
	return nil
}
