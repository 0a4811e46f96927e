#!/usr/bin/env python3
"""Makes legacy_vectors.json: objects as the v1 S3 Encryption Clients
(AWS SDK for Java 1.x AmazonS3EncryptionClient, .NET/Ruby v1) wrote them
with a key of your own, built here with Python's `cryptography` (OpenSSL),
independently of s3crypt's Go code, after the S3 Encryption Client
specification (data-format/content-metadata.md) and S3EC Java's legacy
AesKeyring/RsaKeyring strategies:

  v1-aes     format V1 (x-amz-key, no x-amz-wrap-alg), data key under
             AES/ECB/PKCS5Padding, AES/CBC/PKCS5Padding content
  v1-rsa     format V1, data key under RSA/ECB/PKCS1Padding, CBC content
  v2-aeswrap V2 metadata, x-amz-wrap-alg AESWrap (RFC 3394), AES/GCM content
  v2-rsaoaep V2 metadata, x-amz-wrap-alg RSA/ECB/OAEPWithSHA-256AndMGF1Padding
             (OAEP SHA-256, MGF1 SHA-1 as Java's default provider), AES/GCM

Run from this directory: python3 gen.py (rsa.pem is made once and kept).
"""
import base64, json, os
from cryptography.hazmat.primitives import hashes, padding as sympad, serialization
from cryptography.hazmat.primitives.asymmetric import rsa, padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_wrap

b64 = lambda b: base64.b64encode(b).decode()
if not os.path.exists("rsa.pem"):
    k = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    open("rsa.pem", "wb").write(k.private_bytes(serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
priv = serialization.load_pem_private_key(open("rsa.pem", "rb").read(), None)
pub = priv.public_key()

wrap_key = bytes(range(32))            # the --wrapping-key, raw
plaintext = b"s3crypt legacy vector: written as a v1 S3 Encryption Client did, " * 3 + b"end."

def cbc(dk, iv, pt):
    p = sympad.PKCS7(128).padder()
    e = Cipher(algorithms.AES(dk), modes.CBC(iv)).encryptor()
    return e.update(p.update(pt) + p.finalize()) + e.finalize()

def ecb_pkcs5(k, pt):
    p = sympad.PKCS7(128).padder()
    e = Cipher(algorithms.AES(k), modes.ECB()).encryptor()
    return e.update(p.update(pt) + p.finalize()) + e.finalize()

vectors = []
def add(name, key_v, wrapped, wrap_alg, cek, iv, body):
    meta = {key_v: b64(wrapped), "x-amz-iv": b64(iv), "x-amz-matdesc": "{}",
            "x-amz-unencrypted-content-length": str(len(plaintext))}
    if wrap_alg:
        meta["x-amz-wrap-alg"] = wrap_alg
        meta["x-amz-cek-alg"] = cek
        meta["x-amz-tag-len"] = "128"
    vectors.append({"name": name, "metadata": meta, "body": b64(body)})

dk = os.urandom(32); iv = os.urandom(16)
add("v1-aes", "x-amz-key", ecb_pkcs5(wrap_key, dk), None, None, iv, cbc(dk, iv, plaintext))
dk = os.urandom(32); iv = os.urandom(16)
add("v1-rsa", "x-amz-key", pub.encrypt(dk, padding.PKCS1v15()), None, None, iv, cbc(dk, iv, plaintext))
dk = os.urandom(32); iv = os.urandom(12)
add("v2-aeswrap", "x-amz-key-v2", aes_key_wrap(wrap_key, dk), "AESWrap", "AES/GCM/NoPadding", iv,
    AESGCM(dk).encrypt(iv, plaintext, None))
dk = os.urandom(32); iv = os.urandom(12)
oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA1()), algorithm=hashes.SHA256(), label=None)
add("v2-rsaoaep", "x-amz-key-v2", pub.encrypt(dk, oaep), "RSA/ECB/OAEPWithSHA-256AndMGF1Padding", "AES/GCM/NoPadding", iv,
    AESGCM(dk).encrypt(iv, plaintext, None))

json.dump({"wrappingKey": b64(wrap_key), "rsaKey": "rsa.pem", "plaintext": b64(plaintext), "vectors": vectors},
          open("legacy_vectors.json", "w"), indent=1)
