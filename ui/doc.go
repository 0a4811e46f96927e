// Package ui is s3crypt's terminal interface.
package ui
