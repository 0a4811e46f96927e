// Package e2e holds s3crypt's end-to-end tests: the seed blog's AWS CLI
// commands run through Debian's awscli (and the pip AWS CLI v1 when it is
// installed) against a real `s3crypt serve` process, asserting what AWS
// does, and a crash test that SIGKILLs the server in the middle of
// concurrent uploads. The package has no code outside its tests.
package e2e
