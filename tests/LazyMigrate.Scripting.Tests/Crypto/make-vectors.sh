#!/usr/bin/env bash
# Prints fresh legacy-hash vectors from each format's reference implementation, the way the literals in this folder
# were made (salts are random where the tool picks them, so the output differs from the literals; the commands are
# the same). Debian packages: python3-passlib python3-bcrypt python3-argon2 python3-django php-cli slapd hashcat
# nodejs; npm (in a scratch folder): firebase-scrypt@2.2.0 drupal-hash@1.0.4.
#
#   tests/LazyMigrate.Scripting.Tests/Crypto/make-vectors.sh [scratch folder with those npm packages]
set -euo pipefail
P='correct horse 9'
npm_dir=${1:-}
py=/usr/bin/python3 # Debian's python3, where apt puts passlib and Django (not a pyenv one)

echo "== openssl (md5-crypt, sha-crypt)"
openssl passwd -1 -salt s4ltS4lt "$P"
openssl passwd -5 -salt s4lts4lts4lts4lt "$P"
openssl passwd -6 -salt 's4lt' "$P"
openssl passwd -6 -salt 'rounds=10000$s4lt' "$P"

echo "== slappasswd (RFC 2307, with OpenLDAP's pw-sha2 module)"
for scheme in '{SSHA}' '{SHA}' '{SMD5}' '{MD5}' '{SHA256}' '{SSHA256}' '{SHA384}' '{SSHA384}' '{SHA512}' '{SSHA512}'; do
  /usr/sbin/slappasswd -o module-path=/usr/lib/ldap -o module-load=pw-sha2.la -h "$scheme" -s "$P"
done

echo "== passlib, argon2-cffi, python3-bcrypt"
"$py" - <<'EOF'
from passlib import hash as H
P = 'correct horse 9'
print(H.md5_crypt.hash(P))
print(H.sha256_crypt.using(rounds=12345).hash(P))
print(H.sha512_crypt.using(rounds=1000).hash(P))
print(H.phpass.using(rounds=8).hash(P), H.phpass.using(rounds=9, ident='H').hash(P))
print(H.pbkdf2_sha256.using(rounds=1000).hash(P), H.pbkdf2_sha1.using(rounds=1000).hash(P))
print(H.scrypt.using(rounds=8, block_size=4, parallelism=2).hash(P))
print(H.ldap_salted_sha256.hash(P), H.ldap_salted_sha512.hash(P))
print(H.bcrypt.using(rounds=5, ident='2a').hash(P))
print(H.argon2.using(type='D', memory_cost=1024, rounds=2, parallelism=2).hash(P))
EOF

echo "== Django 3.2 (its own hashers, lower costs)"
"$py" - <<'EOF'
import django
from django.conf import settings
settings.configure(PASSWORD_HASHERS=['django.contrib.auth.hashers.' + n for n in [
    'PBKDF2PasswordHasher', 'PBKDF2SHA1PasswordHasher', 'Argon2PasswordHasher', 'BCryptSHA256PasswordHasher',
    'BCryptPasswordHasher', 'SHA1PasswordHasher', 'MD5PasswordHasher', 'UnsaltedSHA1PasswordHasher']])
django.setup()
from django.contrib.auth.hashers import get_hasher
P = 'correct horse 9'
for name, attrs in [('pbkdf2_sha256', {}), ('pbkdf2_sha1', {'iterations': 10000}),
                    ('argon2', {'memory_cost': 1024, 'time_cost': 2, 'parallelism': 2}),
                    ('bcrypt_sha256', {'rounds': 5}), ('bcrypt', {'rounds': 5}), ('sha1', {}), ('md5', {}), ('unsalted_sha1', {})]:
    hasher = get_hasher(name)
    for key, value in attrs.items():
        setattr(hasher, key, value)
    print(hasher.encode(P, hasher.salt() if name != 'unsalted_sha1' else ''))
EOF

echo "== PHP 8.2"
php -r 'echo password_hash("correct horse 9", PASSWORD_ARGON2ID, ["memory_cost"=>2048,"time_cost"=>3,"threads"=>2]), "\n",
  password_hash("correct horse 9", PASSWORD_BCRYPT, ["cost"=>5]), "\n", crypt("correct horse 9", "\$6\$rounds=2000\$phps4lt\$"), "\n";'

echo "== Node (Auth0's custom_password_hash fields; Auth0's importer runs on Node)"
node --openssl-legacy-provider -e "
const c = require('crypto'), P = 'correct horse 9', U = 'corrèct hörse 9€';
console.log(c.createHash('md4').update(P).digest('base64'));
for (const e of ['ascii', 'utf8', 'utf16le', 'latin1']) console.log(e, c.createHash('sha256').update(Buffer.concat([Buffer.from('s4lt'), Buffer.from(U, e)])).digest('hex'));
console.log(c.createHmac('whirlpool', 'k3y').update(P).digest('hex'));
console.log(c.scryptSync(P, Buffer.from('s4lt'), 64, { N: 2048, r: 4, p: 2 }).toString('hex'));
const s = Buffer.from('s4lts4lt'), b64 = b => b.toString('base64').replace(/=+\$/, '');
console.log('\$pbkdf2-md4\$i=1000,l=16\$' + b64(s) + '\$' + b64(c.pbkdf2Sync(P, s, 1000, 16, 'md4')));
"

if [ -n "$npm_dir" ]; then
  echo "== firebase-scrypt, drupal-hash"
  (cd "$npm_dir" && node -e "
const { FirebaseScrypt } = require('firebase-scrypt'), drupal = require('drupal-hash');
new FirebaseScrypt({ memCost: 14, rounds: 8, saltSeparator: 'Bw==', signerKey: 'jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA==' })
  .hash('correct horse 9', 'c2FsdHlzYWx0eQ==').then(console.log);
console.log(drupal.hashPassword('correct horse 9'));
")
fi

echo "== hashcat's examples (password: hashcat)"
for mode in 400 500 1800 7400 7900 10000 12001 111 1711 124; do
  hashcat --example-hashes -m "$mode" 2>/dev/null | grep -E 'Name\.|Example\.Hash\.\.' || true
done
