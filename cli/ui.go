package cli

import "github.com/alecthomas/kong"

// UICmd runs when no verb is given. Until the TUI lands it prints help.
type UICmd struct{}

// Run implements the verb.
func (UICmd) Run(k *kong.Context) error {
	_, err := k.Parse([]string{"--help"})
	return err
}
