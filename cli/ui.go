package cli

import (
	"context"

	"github.com/s3crypt/s3crypt/ui"
)

// UICmd runs when no verb is given: the terminal UI on the backend the
// global flags select.
type UICmd struct{}

// Run implements the verb.
func (UICmd) Run(ctx context.Context, g *Globals) error {
	b, err := g.backend(ctx)
	if err != nil {
		return err
	}
	defer b.Close()
	return ui.Run(ctx, b)
}
