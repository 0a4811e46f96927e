package kms

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Key specs, usages, states and managers as KMS spells them.
const (
	specSymmetric = "SYMMETRIC_DEFAULT"
	usageEncrypt  = "ENCRYPT_DECRYPT"

	stateEnabled         = "Enabled"
	stateDisabled        = "Disabled"
	statePendingDeletion = "PendingDeletion"

	managerAWS      = "AWS"
	managerCustomer = "CUSTOMER"

	managedAlias       = "alias/aws/s3"
	managedDescription = "Default key that protects my S3 objects when no other key is defined"
)

// keyRecord is one KMS key as stored in the "kms-keys" bucket.
type keyRecord struct {
	ID                 string           `json:"id"`
	Created            time.Time        `json:"created"`
	Description        string           `json:"description"`
	Usage              string           `json:"usage"`
	Spec               string           `json:"spec"`
	State              string           `json:"state"`
	DeletionDate       time.Time        `json:"deletionDate,omitzero"`
	PendingWindowDays  int              `json:"pendingWindowDays,omitempty"`
	Manager            string           `json:"manager"`
	RotationEnabled    bool             `json:"rotationEnabled"`
	RotationPeriodDays int              `json:"rotationPeriodDays,omitempty"`
	NextRotation       time.Time        `json:"nextRotation,omitzero"`
	Current            string           `json:"current"`             // id of the current material
	Materials          []sealedMaterial `json:"materials"`           // every version, oldest first
	PublicKey          []byte           `json:"publicKey,omitempty"` // RSA: DER SubjectPublicKeyInfo
	Tags               []Tag            `json:"tags,omitempty"`
}

// sealedMaterial is one version of key material, sealed under the root key.
type sealedMaterial struct {
	ID      string    `json:"id"` // 64 hex characters
	Created time.Time `json:"created"`
	Sealed  []byte    `json:"sealed"`
	// Rotation is how this version came to be: "" for the key's first
	// material, RotationOnDemand or RotationAutomatic for a rotation.
	Rotation string `json:"rotation,omitempty"`
}

// aliasRecord is one alias as stored in the "kms-aliases" bucket.
type aliasRecord struct {
	Target  string    `json:"target"` // key id
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
}

func (r *keyRecord) symmetric() bool { return r.Spec == specSymmetric }

// seal encrypts plaintext under the root key with ad bound in.
func (k *KMS) seal(plaintext, ad []byte) ([]byte, error) {
	nonce := make([]byte, k.root.NonceSize(), k.root.NonceSize()+len(plaintext)+k.root.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal nonce: %w", err)
	}
	return k.root.Seal(nonce, nonce, plaintext, ad), nil
}

// open reverses seal.
func (k *KMS) open(sealed, ad []byte) ([]byte, error) {
	n := k.root.NonceSize()
	if len(sealed) < n+k.root.Overhead() {
		return nil, errors.New("sealed material too short")
	}
	return k.root.Open(nil, sealed[:n], sealed[n:], ad)
}

func materialAD(keyID, materialID string) []byte {
	return []byte("s3crypt-kms-material-v1\x00" + keyID + "\x00" + materialID)
}

// addMaterial seals raw as a new material version of r and makes it current.
func (k *KMS) addMaterial(r *keyRecord, raw []byte) error {
	id, err := randomHex(32)
	if err != nil {
		return err
	}
	sealed, err := k.seal(raw, materialAD(r.ID, id))
	if err != nil {
		return fmt.Errorf("seal material of %s: %w", r.ID, err)
	}
	r.Materials = append(r.Materials, sealedMaterial{ID: id, Created: k.now().UTC(), Sealed: sealed})
	r.Current = id
	return nil
}

// material unseals material version id of r. The caller clears it after use.
func (k *KMS) material(r *keyRecord, id string) ([]byte, bool) {
	for _, m := range r.Materials {
		if m.ID == id {
			raw, err := k.open(m.Sealed, materialAD(r.ID, m.ID))
			return raw, err == nil
		}
	}
	return nil, false
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

func newKeyID() (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("random key id: %w", err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32], nil
}

func getKey(tx *bolt.Tx, id string) (*keyRecord, error) {
	v := tx.Bucket(bucketKeys).Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	var r keyRecord
	if err := json.Unmarshal(v, &r); err != nil {
		return nil, fmt.Errorf("decode key %s: %w", id, err)
	}
	return &r, nil
}

func putKey(tx *bolt.Tx, r *keyRecord) error {
	v, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode key %s: %w", r.ID, err)
	}
	return tx.Bucket(bucketKeys).Put([]byte(r.ID), v)
}

func getAlias(tx *bolt.Tx, name string) (*aliasRecord, error) {
	v := tx.Bucket(bucketAliases).Get([]byte(name))
	if v == nil {
		return nil, nil
	}
	var a aliasRecord
	if err := json.Unmarshal(v, &a); err != nil {
		return nil, fmt.Errorf("decode alias %s: %w", name, err)
	}
	return &a, nil
}

func putAlias(tx *bolt.Tx, name string, a *aliasRecord) error {
	v, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("encode alias %s: %w", name, err)
	}
	return tx.Bucket(bucketAliases).Put([]byte(name), v)
}

// update runs fn in a read-write transaction and maps failures that are not
// KMS errors to KMSInternalException.
func (k *KMS) update(what string, fn func(tx *bolt.Tx) error) error {
	return kmsErr(what, k.db.Update(fn))
}

// view is update's read-only twin.
func (k *KMS) view(what string, fn func(tx *bolt.Tx) error) error {
	return kmsErr(what, k.db.View(fn))
}

func kmsErr(what string, err error) error {
	if err == nil {
		return nil
	}
	var ke *Error
	if errors.As(err, &ke) {
		return ke
	}
	return errInternal(what, err)
}

// sweep deletes keys whose deletion date has passed, with their aliases. It
// costs one mutex and a time comparison when nothing is due.
func (k *KMS) sweep() error {
	k.mu.Lock()
	due := !k.nextDeletion.IsZero() && !k.now().Before(k.nextDeletion)
	k.mu.Unlock()
	if !due {
		return nil
	}
	now := k.now()
	err := k.update("delete expired keys", func(tx *bolt.Tx) error {
		var expired [][]byte
		err := tx.Bucket(bucketKeys).ForEach(func(id, v []byte) error {
			var r keyRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode key %s: %w", id, err)
			}
			if r.State == statePendingDeletion && !now.Before(r.DeletionDate) {
				expired = append(expired, append([]byte(nil), id...))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, id := range expired {
			if err := deleteKeyAndAliases(tx, string(id)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return k.recomputeNextDeletion()
}

func deleteKeyAndAliases(tx *bolt.Tx, id string) error {
	var names [][]byte
	err := tx.Bucket(bucketAliases).ForEach(func(name, v []byte) error {
		var a aliasRecord
		if json.Unmarshal(v, &a) == nil && a.Target == id {
			names = append(names, append([]byte(nil), name...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, name := range names {
		if err := tx.Bucket(bucketAliases).Delete(name); err != nil {
			return fmt.Errorf("delete alias %s: %w", name, err)
		}
	}
	return tx.Bucket(bucketKeys).Delete([]byte(id))
}

// recomputeNextDeletion scans the keys for the earliest deletion date.
func (k *KMS) recomputeNextDeletion() error {
	var next time.Time
	err := k.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketKeys).ForEach(func(id, v []byte) error {
			var r keyRecord
			if err := json.Unmarshal(v, &r); err != nil {
				return fmt.Errorf("decode key %s: %w", id, err)
			}
			if r.State == statePendingDeletion && (next.IsZero() || r.DeletionDate.Before(next)) {
				next = r.DeletionDate
			}
			return nil
		})
	})
	if err != nil {
		return err
	}
	k.mu.Lock()
	k.nextDeletion = next
	k.mu.Unlock()
	return nil
}

// noteDeletion lowers the next sweep time to t if it is earlier.
func (k *KMS) noteDeletion(t time.Time) {
	k.mu.Lock()
	if k.nextDeletion.IsZero() || t.Before(k.nextDeletion) {
		k.nextDeletion = t
	}
	k.mu.Unlock()
}
