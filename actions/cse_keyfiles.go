package actions

import (
	"crypto/rsa"

	s3c "github.com/s3crypt/s3crypt/crypto"
)

// KeyringFiles name a raw keyring's key by its file, for callers that do
// no I/O of their own (the TUI's forms): the action reads the key when it
// runs, as `s3crypt put`/`get` read --wrapping-key and --rsa-key, and
// wipes it after.
type KeyringFiles struct {
	// WrappingKeyFile holds a 32-byte AES wrapping key (raw, base64 or
	// hex); RSAKeyFile an RSA key in PEM (a private key to unwrap).
	WrappingKeyFile, RSAKeyFile string
}

// Given reports whether a key file is named.
func (f KeyringFiles) Given() bool { return f.WrappingKeyFile != "" || f.RSAKeyFile != "" }

// load reads the named key file (at most one), reporting the read as a
// step that names the file, never the key.
func (f KeyringFiles) load(op string, r *Reporter, needPrivate bool) (aes *s3c.Key, priv *s3c.RSAPrivateKey, pub *rsa.PublicKey, err error) {
	switch {
	case f.WrappingKeyFile != "" && f.RSAKeyFile != "":
		return nil, nil, nil, &Error{Op: op, What: "an AES wrapping key file and an RSA key file are both named", Fix: "Give one raw keyring"}
	case f.WrappingKeyFile != "":
		k, _, err := s3c.ReadKeyFile(f.WrappingKeyFile)
		if err != nil {
			return nil, nil, nil, &Error{Op: op, What: "cannot use " + f.WrappingKeyFile + " as an AES wrapping key", Why: err.Error(),
				Fix: "Give a file holding the 32-byte key (raw, base64 or hex), as --wrapping-key takes", Err: err}
		}
		r.Step(Step{Actor: You, Op: OpKeyLoaded, Title: "wrapping key read", Observed: true,
			Detail: "you read your 32-byte AES wrapping key from " + f.WrappingKeyFile + "; it never leaves this machine"})
		return k, nil, nil, nil
	case f.RSAKeyFile != "":
		p, pk, _, err := s3c.ReadRSAKeyFile(f.RSAKeyFile)
		if err != nil {
			return nil, nil, nil, &Error{Op: op, What: "cannot use " + f.RSAKeyFile + " as an RSA key", Why: err.Error(),
				Fix: "Give an RSA key in PEM, as --rsa-key takes", Err: err}
		}
		if p == nil && needPrivate {
			return nil, nil, nil, &Error{Op: op, What: f.RSAKeyFile + " holds only a public key",
				Fix: "Unwrapping a data key needs the private key: give the PEM file that holds it"}
		}
		r.Step(Step{Actor: You, Op: OpKeyLoaded, Title: "RSA key read", Observed: true,
			Detail: "you read your RSA key from " + f.RSAKeyFile + "; it never leaves this machine"})
		return nil, p, pk, nil
	}
	return nil, nil, nil, nil
}

// withKeyFiles is g with the raw keyring KeyFiles names read in, and a
// function that wipes it; g itself is left as it was.
func (g *Get) withKeyFiles(r *Reporter) (*Get, func(), error) {
	if !g.KeyFiles.Given() || g.AESWrappingKey != nil || g.RSAPrivateKey != nil {
		return g, func() {}, nil
	}
	aes, priv, _, err := g.KeyFiles.load(g.Describe(), r, true)
	if err != nil {
		return nil, nil, err
	}
	c := *g
	c.AESWrappingKey, c.RSAPrivateKey = aes, priv
	return &c, func() {
		if aes != nil {
			aes.Wipe()
		}
	}, nil
}

// withKeyFiles is p with its client-side raw keyring read from the files
// ClientSide.KeyFiles names, and a function that wipes it.
func (p *Put) withKeyFiles(r *Reporter) (*Put, func(), error) {
	cs := p.ClientSide
	if cs == nil || !cs.KeyFiles.Given() || cs.AESWrappingKey != nil || cs.RSAPublicKey != nil {
		return p, func() {}, nil
	}
	aes, _, pub, err := cs.KeyFiles.load(p.Describe(), r, false)
	if err != nil {
		return nil, nil, err
	}
	c, ccs := *p, *cs
	ccs.AESWrappingKey, ccs.RSAPublicKey = aes, pub
	c.ClientSide = &ccs
	return &c, func() {
		if aes != nil {
			aes.Wipe()
		}
	}, nil
}
