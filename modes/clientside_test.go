package modes_test

import (
	"testing"

	s3c "github.com/s3crypt/s3crypt/crypto"
	"github.com/s3crypt/s3crypt/modes"
)

// TestKeyringsCoverEveryWrapping: every wrapping algorithm the crypto
// package writes or reads (legacy ones included) has exactly one keyring,
// the right one, so a form can ask for the key an object needs.
func TestKeyringsCoverEveryWrapping(t *testing.T) {
	for alg, want := range map[string]modes.KeyringID{
		s3c.WrapAlgKMSContext: modes.KeyringKMS, s3c.WrapAlgKMSLegacy: modes.KeyringKMS,
		s3c.WrapAlgAESGCM: modes.KeyringAES, s3c.WrapAlgAESLegacy: modes.KeyringAES, s3c.WrapAlgAESWrap: modes.KeyringAES,
		s3c.WrapAlgRSAOAEP: modes.KeyringRSA, s3c.WrapAlgRSALegacy: modes.KeyringRSA, s3c.WrapAlgRSAOAEPSHA256V1: modes.KeyringRSA,
	} {
		if k := modes.KeyringFor(alg); k == nil || k.ID != want {
			t.Errorf("%s: keyring %+v, want %s", alg, k, want)
		}
		if want != modes.KeyringKMS && !s3c.IsLegacyRawWrap(alg) && alg != s3c.WrapAlgAESGCM && alg != s3c.WrapAlgRSAOAEP {
			t.Errorf("%s is not a raw wrapping the crypto package knows", alg)
		}
	}
	if modes.KeyringFor("") != nil || modes.KeyringFor("nonsense") != nil {
		t.Fatal("an unknown wrapping has a keyring")
	}
	if f := modes.ClientFormats(); f[0].Version != s3c.FormatV3 || f[0].Flag != "" || f[1].Version != s3c.FormatV2 {
		t.Fatalf("formats %+v: V3 is the default, then V2", f)
	}
}
