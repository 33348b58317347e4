package main

import (
	"context"
	"errors"
)

// runTUI opens the interactive console. (Owned by the ui work.)
func runTUI(ctx context.Context, a *app) error {
	return errors.New("the interactive console is not built yet")
}
