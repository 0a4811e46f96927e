// Package e2e holds s3crypt's end-to-end tests: the seed blog's AWS CLI
// commands run through Debian's awscli (and the pip AWS CLI v1 when it is
// installed) against a real `s3crypt serve` process, asserting what AWS
// does; a crash test that SIGKILLs the server in the middle of concurrent
// uploads; and the terminal UI driven by keystrokes in tmux through the
// built binary. The package has no code outside its tests.
package e2e
