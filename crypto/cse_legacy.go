package crypto

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
)

const cbcBlock = 16

// ErrBadPadding: legacy CBC content did not end in valid PKCS#5 padding
// (the body, its IV or the data key is not the one written). CBC content
// is not authenticated: a valid padding proves nothing more.
var ErrBadPadding = errors.New("legacy AES-CBC content does not end in valid padding: the body, IV or data key is not the one written")

// decryptCBC streams AES-CBC/PKCS5Padding content (the legacy suite
// 0x0070) from src to dst, holding back the last block until the padding
// can be checked. Nothing authenticates what it writes.
func decryptCBC(dst io.Writer, src io.Reader, dataKey *Key, e Envelope) (int64, error) {
	if dataKey.Wiped() {
		return 0, ErrWipedKey
	}
	if dataKey.Len() != dataKeySize || len(e.IV) != cbcBlock {
		return 0, fmt.Errorf("decrypt: %w: CBC needs a 32-byte key and a 16-byte IV", ErrBadEnvelope)
	}
	block, err := aes.NewCipher(dataKey.Bytes())
	if err != nil {
		return 0, fmt.Errorf("decrypt: %w", err)
	}
	cbc := cipher.NewCBCDecrypter(block, e.IV)
	buf := make([]byte, decryptChunk+cbcBlock)
	have := 0
	var total int64
	for {
		n, rerr := io.ReadFull(src, buf[have:])
		have += n
		// Decrypt all whole blocks but the last, which may be padding.
		if whole := have / cbcBlock * cbcBlock; whole > cbcBlock {
			chunk := buf[:whole-cbcBlock]
			cbc.CryptBlocks(chunk, chunk)
			if e.UnencryptedLength >= 0 && total+int64(len(chunk)) > e.UnencryptedLength {
				return total, fmt.Errorf("decrypt: %w: content longer than %d bytes", ErrLengthMismatch, e.UnencryptedLength)
			}
			w, werr := dst.Write(chunk)
			total += int64(w)
			if werr != nil {
				return total, fmt.Errorf("decrypt: write plaintext: %w", werr)
			}
			have = copy(buf, buf[len(chunk):have])
		}
		if errors.Is(rerr, io.EOF) || errors.Is(rerr, io.ErrUnexpectedEOF) {
			break
		}
		if rerr != nil {
			return total, fmt.Errorf("decrypt: read body: %w", rerr)
		}
	}
	if have != cbcBlock {
		return total, fmt.Errorf("decrypt: %w", ErrBadPadding)
	}
	last := buf[:cbcBlock]
	cbc.CryptBlocks(last, last)
	pad := int(last[cbcBlock-1])
	good := subtle.ConstantTimeLessOrEq(1, pad) & subtle.ConstantTimeLessOrEq(pad, cbcBlock)
	for i := range cbcBlock {
		inPad := subtle.ConstantTimeLessOrEq(cbcBlock-pad, i)
		good &= subtle.ConstantTimeSelect(inPad, subtle.ConstantTimeByteEq(last[i], byte(pad)), 1)
	}
	if good != 1 {
		return total, fmt.Errorf("decrypt: %w", ErrBadPadding)
	}
	w, werr := dst.Write(last[:cbcBlock-pad])
	total += int64(w)
	if werr != nil {
		return total, fmt.Errorf("decrypt: write plaintext: %w", werr)
	}
	if e.UnencryptedLength >= 0 && total != e.UnencryptedLength {
		return total, fmt.Errorf("decrypt: %w: content is %d bytes, envelope says %d", ErrLengthMismatch, total, e.UnencryptedLength)
	}
	return total, nil
}
