package main

import (
	"context"
	"errors"
	"testing"

	"github.com/opsconsole/console/config"
)

// TestBuildProvidersStacksAlone: an environment of Terraform stacks alone
// opens (the Stacks view and the stack actions need no provider); one that
// names nothing at all is a configuration error.
func TestBuildProvidersStacksAlone(t *testing.T) {
	tests := []struct {
		name    string
		env     config.Environment
		wantErr bool
	}{
		{name: "stacks only", env: config.Environment{Name: "tf", Terraform: []config.Stack{{Name: "net", Dir: t.TempDir()}}}},
		{name: "nothing", env: config.Environment{Name: "empty"}, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps, err := buildProviders(context.Background(), config.Settings{Env: tt.env})
			if tt.wantErr {
				if !errors.Is(err, config.ErrBadConfig) {
					t.Fatalf("err = %v, want a configuration error", err)
				}
				return
			}
			if err != nil || len(ps) != 0 {
				t.Fatalf("providers %v, err %v; want none and no error", ps, err)
			}
		})
	}
}
