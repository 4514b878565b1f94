using LazyMigrate.Scripting.Crypto;

namespace LazyMigrate.Scripting.Tests.Crypto;

/// <summary>
/// The self-describing formats (the hash string says how it was made), each against hashes written by the format's
/// reference implementation (the tool and command beside each vector), plus the same hash with a wrong password.
/// Unless a vector says otherwise, it hashes the password "correct horse 9"; hashcat's examples
/// (<c>hashcat --example-hashes -m MODE</c>, hashcat 6.2.6) hash "hashcat".
/// </summary>
public sealed class LegacyPasswordVerifierTests
{
    internal const string Password = "correct horse 9";

    public static TheoryData<string, string, string?, string> Vectors => new()
    {
        // ---- bcrypt ----
        // htpasswd -nbB -C 5 u 'correct horse 9' (apache2-utils 2.4)
        { "bcrypt $2y$ (htpasswd)", "$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC", null, Password },
        // node -e "require('bcryptjs').hashSync('correct horse 9', 5)" (bcryptjs on Node 20)
        { "bcrypt $2b$ (bcryptjs)", "$2b$05$l3PHxyashazYqeFHgDvnDebmlpEbpzW1cD4qxtp0m9r1F8PVu2gf2", "bcrypt", Password },
        // python3 -c "from passlib.hash import bcrypt; print(bcrypt.using(rounds=5, ident='2a').hash('correct horse 9'))" (passlib 1.7.4 over python3-bcrypt 3.2)
        { "bcrypt $2a$ (passlib)", "$2a$05$z9UwRfWnBThPoOE7tfOjO.Lj6Swz78oTxlgw4j56Vpfc9wcU38LLq", null, Password },
        // php -r 'echo password_hash("correct horse 9", PASSWORD_BCRYPT, ["cost"=>5]);' (PHP 8.2)
        { "bcrypt $2y$ (PHP)", "$2y$05$zAUlQqqUAvI1N.0ihbLlTeWmCM6Vbz38GuF2sRUfTDoLKFDcqOlTG", null, Password },
        // python3 bcrypt.hashpw(b'x' * 80, b'$2b$04$abcdefghijklmnopqrstuu'): bcrypt reads 72 bytes, so 72 'x' verify too
        { "bcrypt past 72 bytes (python3-bcrypt)", "$2b$04$abcdefghijklmnopqrstuubzadhGtS2zEF.gu0yd0opP6cVzb.e0i", null, new string('x', 72) },

        // ---- argon2 ----
        // php -r 'echo password_hash("correct horse 9", PASSWORD_ARGON2ID, ["memory_cost"=>1024,"time_cost"=>2,"threads"=>1]);' (PHP 8.2, libargon2)
        { "argon2id (PHP)", "$argon2id$v=19$m=1024,t=2,p=1$bXVWMnZXT1RYTmN3c0JHQg$u57PtrnnUUPlRcPIDHZWtB8wn7R8i+Rc/mTt28nmL5M", null, Password },
        // same with PASSWORD_ARGON2I
        { "argon2i (PHP)", "$argon2i$v=19$m=1024,t=2,p=1$aXBab3ZGbVVjZ2hzbmpxZw$ULFxdGbzYdSEmjNeQKVKPQieZMtMljK2opD2TUv9um8", "argon2", Password },
        // same with PASSWORD_ARGON2ID, memory_cost 2048, time_cost 3, threads 2
        { "argon2id p=2 (PHP)", "$argon2id$v=19$m=2048,t=3,p=2$cGZNVU9vRUh2MDJSL08yLg$Y82QBIy5nSIhOau7UtVuZi2FPZw1zzk2aVv5jgQyZOw", null, Password },
        // python3 -c "from passlib.hash import argon2; print(argon2.using(type='D', memory_cost=1024, rounds=2, parallelism=2).hash('correct horse 9'))" (argon2-cffi 21.1, libargon2)
        { "argon2d (argon2-cffi)", "$argon2d$v=19$m=1024,t=2,p=2$J2SMEaKUUup9zzmH0Jqz9g$m90uaRVVvDY0pJRa6q95wg", null, Password },
        // same with type='ID', memory_cost=2048, rounds=1, parallelism=4, digest_size=16
        { "argon2id 16-byte tag (argon2-cffi)", "$argon2id$v=19$m=2048,t=1,p=4$05rTWgtB6L0XIqT03jtnzA$61CT72B86U+NpGpdYBc3/g", null, Password },

        // ---- pbkdf2 (PHC and passlib) ----
        // python3 -c "from passlib.hash import pbkdf2_sha256; print(pbkdf2_sha256.using(rounds=1000).hash('correct horse 9'))" (passlib 1.7)
        { "pbkdf2-sha256 (passlib)", "$pbkdf2-sha256$1000$Uar1HoNQynmP8f7//9.7lw$PpYPCUcokisGyqP64zhxaQuvMQPQnqWIDux4IYeBQ2o", null, Password },
        // same with pbkdf2_sha512
        { "pbkdf2-sha512 (passlib)", "$pbkdf2-sha512$1000$R4jx/p/TWqsVwlhr7X1vzQ$55MlcTGpCbQk5ye.3nZYS2JStCH3bgQCW5shFR1O2LM1fTclc/VxHWuuGkliG0PBhAgqWrJ57KUsRSeZcRAExg", "pbkdf2", Password },
        // same with pbkdf2_sha1 (passlib writes $pbkdf2$ for SHA-1)
        { "pbkdf2-sha1 (passlib)", "$pbkdf2$1000$Z0xJCYEQorS2lvL.XwvBOA$DYE8UtJWXft1EfctprOOdvAZCQ8", null, Password },
        // node: `$pbkdf2-sha256$i=1000,l=32$${b64(salt)}$${b64(crypto.pbkdf2Sync(P, salt, 1000, 32, 'sha256'))}` with salt 0011223344556677 (Node 20, unpadded base64)
        { "pbkdf2-sha256 PHC i,l (Node)", "$pbkdf2-sha256$i=1000,l=32$ABEiM0RVZnc$DUgGGh/H81xr+FpWVpBpCEtGsYbgz9eSGwDFM4bosMo", null, Password },
        // same form: sha1, 2000 iterations, 20 bytes, salt 's4lts4lt'
        { "pbkdf2-sha1 PHC (Node)", "$pbkdf2-sha1$i=2000,l=20$czRsdHM0bHQ$/CBH/fUaNkhOx1FYbCBINY1PvbU", null, Password },
        // same form: md5, 1000, 16
        { "pbkdf2-md5 PHC (Node)", "$pbkdf2-md5$i=1000,l=16$czRsdHM0bHQ$Dwbnx2jVScrJvW3S60kJLA", null, Password },
        // same form under node --openssl-legacy-provider: md4, 1000, 16
        { "pbkdf2-md4 PHC (Node)", "$pbkdf2-md4$i=1000,l=16$czRsdHM0bHQ$JZLjwam2MtJDyOiQ7Zzkog", null, Password },
        // same: whirlpool, 500, 64
        { "pbkdf2-whirlpool PHC (Node)", "$pbkdf2-whirlpool$i=500,l=64$czRsdHM0bHQ$T4llqUjleU4ucERBligsamy0KfRtIaIhqWuMrz2Vg9e9DB5YB1omY0BPsN8n9hVYg3FXogPMJjSNZ3qMzSxh4A", null, Password },
        // same with Node's digest name 'RSA-SHA256' (an alias Auth0 lists), 1000, 32
        { "pbkdf2-RSA-SHA256 PHC (Node)", "$pbkdf2-RSA-SHA256$i=1000,l=32$czRsdHM0bHQ$R5oP7FrIBS4Jx3jbUij6pQwn2d7IxjkO1UlOlBHNF6g", null, Password },
        // same, no parameters: Auth0's defaults i=100000, l=64 — crypto.pbkdf2Sync(P, 'abcdefgh', 100000, 64, 'sha512')
        { "pbkdf2-sha512 PHC defaults (Node)", "$pbkdf2-sha512$YWJjZGVmZ2g$ydAbN0Rm+dt5jj0um14dsn5gvJgf5fqbvhlI3dlwZO/tWiC+O7svevibZuPYLgxEEGOGogofWTQji7FqCY5Dsw", null, Password },

        // ---- scrypt (PHC) ----
        // python3 -c "from passlib.hash import scrypt; print(scrypt.using(rounds=10).hash('correct horse 9'))"
        { "scrypt (passlib)", "$scrypt$ln=10,r=8,p=1$hHCOkZJSitHa+1/rvdcagw$I4uE2u1vBSx9VjJ0QRcEJIw3ZfdYSozmdXvu69XPfZI", null, Password },
        // same with rounds=8, block_size=4, parallelism=2
        { "scrypt r=4 p=2 (passlib)", "$scrypt$ln=8,r=4,p=2$jrFW6r3XWsvZW4tRKoVQSg$eG8sjcYBPSKglXmej3GqMRMkZiemR3BR+VfO4G912NE", "scrypt", Password },

        // ---- LDAP (RFC 2307) ----
        // /usr/sbin/slappasswd -h {SSHA} -s 'correct horse 9' (OpenLDAP 2.5), and -h {SHA}, {SMD5}, {MD5}
        { "ldap {SSHA} (slappasswd)", "{SSHA}VD45szUAgVh36jrcsI0WlC7t7VznCY7d", null, Password },
        { "ldap {SHA} (slappasswd)", "{SHA}H5CQsPd3Mi7M+rcAd04YFZWatcg=", "ldap", Password },
        { "ldap {SMD5} (slappasswd)", "{SMD5}kM+B6N/XBMRmpVbJhuw2fvgm5c0=", null, Password },
        { "ldap {MD5} (slappasswd)", "{MD5}0joe/yprnmZN72my5JzwaA==", null, Password },
        // slappasswd -o module-path=/usr/lib/ldap -o module-load=pw-sha2.la -h {SHA256} -s 'correct horse 9' (OpenLDAP's pw-sha2 module), and {SSHA256}, {SHA384}, {SSHA384}, {SHA512}, {SSHA512}
        { "ldap {SHA256} (slappasswd pw-sha2)", "{SHA256}8hqN+vBfM9tSO2MXb7h8LJJSAG9jxeO7HR4NiCiHHQ8=", null, Password },
        { "ldap {SSHA256} (slappasswd pw-sha2)", "{SSHA256}LOzQab4jhfn4OGisJdgowl4Zp42DNL6EYOdiT95VkF4LgquRkO5AzA==", null, Password },
        { "ldap {SHA384} (slappasswd pw-sha2)", "{SHA384}UwDOaRhwvvednOb1GuukjYaxg1BWrtSUlx4DPzMBTKuZGxZ61ZByg0DYw9/pvZzB", null, Password },
        { "ldap {SSHA384} (slappasswd pw-sha2)", "{SSHA384}Si/5DUnIKOLOO+IbrOB+wyYRwv7Pxn551nrmFWM2c+ol3bHBvjjE778eXPTk55NPs13x5ahtuW4=", null, Password },
        { "ldap {SHA512} (slappasswd pw-sha2)", "{SHA512}xtcK7/4RXWZoSmjluqKUo7SR+l0xWUbcPPAsoQib3aDo57/l+YVuNtjvRjFbMBqDYY/Miz408CvyKbyVyak0bw==", null, Password },
        { "ldap {SSHA512} (slappasswd pw-sha2)", "{SSHA512}z2gsGOUuURBdBRzWURxnvdEQ1JAkXoDQBymYuFawSf0NVn4oJQTF/8EK5VgRbbkTphI7FWMGuHuf6eBiET8niQNsJsDmGXTh", null, Password },
        // python3 -c "from passlib.hash import ldap_salted_sha256; print(ldap_salted_sha256.hash('correct horse 9'))" (8-byte salts), and ldap_salted_sha512
        { "ldap {SSHA256} (passlib)", "{SSHA256}c0seKIt0SuHPp3WfTLUUyj8Z0zsXmjGQ4O8tfBu798ojZGxtDSEk5A==", null, Password },
        { "ldap {SSHA512} (passlib)", "{SSHA512}2e+5sRzH8O7V7V4wrQQLHVHaP7mb/3T4lA6pMtRvXGRs9fGZzaoH/nSasf3ImKI5gI2p9JEjS0WWxxDYI5JxveV8b6015nxv", null, Password },
        // hashcat -m 111 and -m 1711 examples
        { "ldap {SSHA} (hashcat)", "{SSHA}FLzWcQqyle6Mo7NvrwXCMAmRzXQxNjYxMTYzNw==", null, "hashcat" },
        { "ldap {SSHA512} (hashcat)", "{SSHA512}Bz8w5q6qEtB1Nnc8b1jfTvTXVTwohWag33oghQGOtLChnkZTw/cuJaHQlLJEI3AWKZGCRyLA6Phujdxo+is7AjA2MDcyNjY1Mg==", null, "hashcat" },
        // {CRYPT} + openssl passwd -6 -salt s4lt 'correct horse 9'
        { "ldap {CRYPT} sha512-crypt (openssl)", "{CRYPT}$6$s4lt$KLBPSdQYOvqCsxF3ajtuBGHBrfYDTFdnAO83Q.3TE3MlboNH7okenedWnBR.3dFisCnC92D9HlQZo8XeffkEy1", null, Password },
        // Atlassian {PKCS5S2} (Crowd, Jira): hashcat -m 12001 example
        { "ldap {PKCS5S2} Atlassian (hashcat)", "{PKCS5S2}NTczNTY0NDY2NjQyNzU1Mx8gGiRGobaZYwumctGHbn2ZOHB8LkwzH+Z1gkWfy1zD", null, "hashcat" },

        // ---- crypt(3) ----
        // openssl passwd -1 -salt s4ltS4lt 'correct horse 9' (OpenSSL 3.0)
        { "md5-crypt $1$ (openssl)", "$1$s4ltS4lt$QXsUkfDwMQnppLWV1RjXR/", null, Password },
        // python3 -c "from passlib.hash import md5_crypt; print(md5_crypt.hash('correct horse 9'))"
        { "md5-crypt $1$ (passlib)", "$1$y2RaAK7/$4Z/icsAPPAuSf5LLjsC5x1", "md5-crypt", Password },
        // php -r 'echo crypt("correct horse 9", "\$1\$phps4lt\$");' (PHP 8.2, glibc-compatible)
        { "md5-crypt $1$ (PHP crypt)", "$1$phps4lt$V094pyeHwZ6tpJOhPAtgl.", "crypt", Password },
        // hashcat -m 500 example
        { "md5-crypt $1$ (hashcat)", "$1$38652870$DUjsu4TTlTsOe/xxZ05uf/", null, "hashcat" },
        // openssl passwd -5 -salt s4lts4lts4lts4lt 'correct horse 9' (16-character salt, implicit 5000 rounds)
        { "sha256-crypt $5$ (openssl)", "$5$s4lts4lts4lts4lt$Hh8OWeb4co72bSn7VW5IFEpOBGGhjEejT2KYakBIM/0", null, Password },
        // python3 -c "from passlib.hash import sha256_crypt; print(sha256_crypt.using(rounds=5000).hash('correct horse 9'))" (passlib leaves rounds=5000 out)
        { "sha256-crypt $5$ (passlib)", "$5$PJ5NzJjMpR28WNkr$kv/jlR2irzqefeltq8Pf/clYwsE0J6nvXj8o/bQoDV2", "sha256-crypt", Password },
        // same with rounds=12345
        { "sha256-crypt rounds=12345 (passlib)", "$5$rounds=12345$5KeikjMz8UAc/exx$ipkua0mQRr0waG5ofWNikhSY2NGqPKZX12U2uVj2DT5", null, Password },
        // hashcat -m 7400 example
        { "sha256-crypt $5$ (hashcat)", "$5$7777657035274252$XftMj84MW.New1/ViLY5V4CM4Y7EBvfETaZsCW9vcJ8", null, "hashcat" },
        // openssl passwd -6 -salt s4lt 'correct horse 9'
        { "sha512-crypt $6$ (openssl)", "$6$s4lt$KLBPSdQYOvqCsxF3ajtuBGHBrfYDTFdnAO83Q.3TE3MlboNH7okenedWnBR.3dFisCnC92D9HlQZo8XeffkEy1", null, Password },
        // openssl passwd -6 -salt 'rounds=10000$s4lt' 'correct horse 9'
        { "sha512-crypt rounds=10000 (openssl)", "$6$rounds=10000$s4lt$gcg8yG4.AL9SUXCyrxlfYxCZaPJHhCqeCvYDRvzWXVRjEkvnP9l46JghLx.rfqTINFfn8lE/qVKHGDMRN7Il6.", "sha512-crypt", Password },
        // python3 -c "from passlib.hash import sha512_crypt; print(sha512_crypt.using(rounds=1000).hash('correct horse 9'))"
        { "sha512-crypt rounds=1000 (passlib)", "$6$rounds=1000$P4oUHZAr.fsJTM/5$w7j0b0dDZolCtUnKmNbt8DSPsUoPxppsBINnQm2J7ASMNOxqOAOxA6jLXoYWcsaMYnGhhYGRCXny9Y4lLPwKc0", null, Password },
        // php -r 'echo crypt("correct horse 9", "\$6\$rounds=2000\$phps4lt\$");'
        { "sha512-crypt rounds=2000 (PHP crypt)", "$6$rounds=2000$phps4lt$eC8OKNRS1Wdp/lvrYgvy2vknSEV10WgV863s6pskib5R6Jy1076y0Eod7h8XLvBzb5x29kfDAMQNPsFmDd80n0", null, Password },
        // hashcat -m 1800 example
        { "sha512-crypt $6$ (hashcat)", "$6$72820166$U4DVzpcYxgw7MVVDGGvB2/H5lRistD5.Ah4upwENR5UtffLR4X4SxSzfREv8z6wVl0jRFX40/KnYVvK4829kD1", null, "hashcat" },

        // ---- Drupal 7, phpass ----
        // node -e "console.log(require('drupal-hash').hashPassword('correct horse 9'))" (drupal-hash 1.0.4, a port of Drupal 7's includes/password.inc)
        { "drupal7 $S$ (drupal-hash)", "$S$DD4/tavbEqo7gIOKsxrNx8AQth.N8qABp1CDpxQ09XTYbKW9yH9P", null, Password },
        // 'U' + hashPassword(md5 hex of the password): Drupal 7's form for hashes migrated from Drupal 6
        { "drupal7 U$S$ (drupal-hash)", "U$S$D.BJwnzrnQ9/kBQaubkumuftgHsAdo/DR7GZolcbQpU0Mxvpjn7i", "drupal7", Password },
        // hashcat -m 7900 example
        { "drupal7 $S$ (hashcat)", "$S$C20340258nzjDWpoQthrdNTR02f0pmev0K/5/Nx80WSkOQcPEQRh", null, "hashcat" },
        // Drupal 7 also checks phpass $P$ hashes (imported from WordPress/phpBB): passlib's below
        { "drupal7 with a phpass $P$ (passlib)", "$P$6fnjcgqnFSAqsUoNwCN5MR.eo1qRgk1", "drupal7", Password },
        // python3 -c "from passlib.hash import phpass; print(phpass.using(rounds=8).hash('correct horse 9'))"
        { "phpass $P$ (passlib)", "$P$6fnjcgqnFSAqsUoNwCN5MR.eo1qRgk1", null, Password },
        // same with rounds=9, ident='H' (phpBB)
        { "phpass $H$ (passlib)", "$H$7RoCtZzbuCj85l2P83nggYti.kBCV.1", "phpass", Password },
        // hashcat -m 400 example
        { "phpass $P$ (hashcat)", "$P$946647711V1klyitUYhtB8Yw5DMA/w.", null, "hashcat" },

        // ---- Django ----
        // Django 3.2 make_password('correct horse 9') with PBKDF2PasswordHasher (python3-django, Debian 12)
        { "django pbkdf2_sha256 (Django)", "pbkdf2_sha256$260000$wzG8IpkLQN91CxbC6Tz5xV$jsJsL4AEdzdczydIbctZ4Gp2xcay97ylNPf6MMQjx4k=", null, Password },
        // Django 3.2 get_hasher('pbkdf2_sha1') with iterations=10000: hasher.encode(P, hasher.salt())
        { "django pbkdf2_sha1 (Django)", "pbkdf2_sha1$10000$QostTROKkOHLfMBxw3cctO$IiE7FcN/pepi1/m4YXXG3LTrjGM=", "django", Password },
        // Django 3.2 get_hasher('argon2') with memory_cost=1024, time_cost=2, parallelism=2 (over argon2-cffi)
        { "django argon2 (Django)", "argon2$argon2id$v=19$m=1024,t=2,p=2$QVBYR01xSDVjcmN1VXJEa3dwNnpQZQ$rjvHmJgjpgg+zmD7FQeV2g", null, Password },
        // Django 3.2 get_hasher('bcrypt') with rounds=5 (over python3-bcrypt)
        { "django bcrypt (Django)", "bcrypt$$2b$05$S9rhbESrfy3GJJDElt.ai.nuKXz6v6HI4t/U3rAqgdCS/izIR14MK", null, Password },
        // Django 3.2 get_hasher('bcrypt_sha256') with rounds=5 (bcrypt of the hex SHA-256 of the password)
        { "django bcrypt_sha256 (Django)", "bcrypt_sha256$$2b$05$54mVrwwuBspgIkd1so6Ueu.Uh6cynoHJuQUcSUyqtUvjkogpdNLGi", null, Password },
        // Django's own test vector (tests/auth_tests/test_hashers.py, test_scrypt: make_password("lètmein", "seasalt", "scrypt"), Django 4.0+)
        { "django scrypt (Django's test suite)", "scrypt$16384$seasalt$8$1$Qj3+9PPyRjSJIebHnG81TMjsqtaIGxNQG/aEB/NYafTJ7tibgfYz71m0ldQESkXFRkdVCBhhY8mx7rQwite/Pw==", null, "lètmein" },
        // Django 4's ScryptPasswordHasher.encode in Python (Debian's Django 3.2 has no scrypt hasher):
        // 'scrypt$1024$s4lts4lt$8$1$' + base64(hashlib.scrypt(P, salt=b's4lts4lt', n=1024, r=8, p=1, dklen=64))
        { "django scrypt N=1024 (hashlib, Django 4's algorithm)", "scrypt$1024$s4lts4lt$8$1$NuZ6FnmzEegmwtPFNQf9nfjjmjAXGqqtzE1IWjtX9xeQ2Tch2wQ1WGt34p2I5lNdZU6mw3RZAI9Owta/9/9bvA==", null, Password },
        // Django 3.2 make_password with SHA1PasswordHasher, MD5PasswordHasher, UnsaltedSHA1PasswordHasher
        { "django sha1 (Django)", "sha1$t5cV3BfP4ePcHSHjcE31L0$3a43f6708d05bc12eb22715b6d5fa4b996fc227d", null, Password },
        { "django md5 (Django)", "md5$jqptu0l81LzZzDCXICkwgK$2e5303631a28e4308eb45c1f71608e7f", null, Password },
        { "django unsalted_sha1 (Django)", "sha1$$1f9090b0f777322eccfab700774e1815959ab5c8", null, Password },
        // Django's UnsaltedMD5PasswordHasher also accepts its hash as md5$$<hex> (check_password(P, 'md5$$d23a…') is True in Django 3.2)
        { "django unsalted_md5 md5$$ (Django)", "md5$$d23a1eff2a6b9e664def69b2e49cf068", null, Password },
        // hashcat -m 10000 and -m 124 examples
        { "django pbkdf2_sha256 (hashcat)", "pbkdf2_sha256$10000$1135411628$bFYX62rfJobJ07VwrUMXfuffLfj2RDM2G6/BrTrUWkE=", null, "hashcat" },
        { "django sha1 (hashcat)", "sha1$fe76b$02d5916550edf7fc8c886f044887f4b1abf9b013", null, "hashcat" },

        // ---- ASP.NET ----
        // Microsoft.Extensions.Identity.Core 10.0.15 PasswordHasher<T>.HashPassword (default: v3, PBKDF2-HMAC-SHA512 100k)
        { "aspnet-identity v3 (PasswordHasher)", "AQAAAAIAAYagAAAAEFRj65ClWU/tL4LOAXB5kGVG5/Yy/0Rqs1RDIS+aPhtPxISzKzuY5gn2STz6X/H94g==", null, Password },
        // same with CompatibilityMode = IdentityV2
        { "aspnet-identity v2 (PasswordHasher)", "AKzTb2VHA4DRed/Qv/zK2/zNRbKhvmT2AJ80MfeAllkFwbb8mn6xfdLTisFHjDfwQQ==", "aspnet-identity", Password },
        // No tool on Linux runs SqlMembershipProvider; its EncodePassword (System.Web reference source) in Python:
        // salt = bytes(range(16)); base64(sha1(salt + 'correct horse 9'.encode('utf-16-le')))
        { "aspnet-membership SHA1 (EncodePassword in Python)", "AAECAwQFBgcICQoLDA0ODw==:/bzakMgGuqIjmr2K93Zmz5gP3NA=", "aspnet-membership", Password },
    };

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Verify_AcceptsTheRightPassword_AndRejectsAWrongOne(string source, string hash, string? format, string password)
    {
        Assert.True(LegacyPasswordVerifier.Verify(password, hash, format), source);
        Assert.False(LegacyPasswordVerifier.Verify(Wrong(password), hash, format), source);
        Assert.False(LegacyPasswordVerifier.Verify("", hash, format), source);
    }

    /// <summary>The password with its first character changed (a suffix would vanish past bcrypt's 72 bytes).</summary>
    internal static string Wrong(string password) => (password[0] == 'x' ? 'y' : 'x') + password[1..];

    [Theory]
    [MemberData(nameof(Vectors))]
    public void Check_AcceptsEveryVector_AndNamesItsFormat(string source, string hash, string? format, string password)
    {
        _ = password;
        var legacy = LegacyPasswordHash.FromFormat(format ?? "auto", hash);

        LegacyPasswordVerifier.Check(legacy);
        Assert.DoesNotContain(hash, legacy.Format, StringComparison.Ordinal);
        Assert.Equal(legacy, LegacyPasswordHash.Deserialize(legacy.Serialize()));
        Assert.False(string.IsNullOrEmpty(legacy.Format), source);
    }

    [Theory]
    [InlineData("$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC", "bcrypt")]
    [InlineData("$argon2d$v=19$m=1024,t=2,p=2$J2SMEaKUUup9zzmH0Jqz9g$m90uaRVVvDY0pJRa6q95wg", "argon2d")]
    [InlineData("$pbkdf2$1000$Z0xJCYEQorS2lvL.XwvBOA$DYE8UtJWXft1EfctprOOdvAZCQ8", "pbkdf2-sha1")]
    [InlineData("$pbkdf2-RSA-SHA256$i=1000,l=32$czRsdHM0bHQ$R5oP7FrIBS4Jx3jbUij6pQwn2d7IxjkO1UlOlBHNF6g", "pbkdf2-sha256")]
    [InlineData("{SSHA384}Si/5DUnIKOLOO+IbrOB+wyYRwv7Pxn551nrmFWM2c+ol3bHBvjjE778eXPTk55NPs13x5ahtuW4=", "ldap-ssha384")]
    [InlineData("$1$s4ltS4lt$QXsUkfDwMQnppLWV1RjXR/", "md5-crypt")]
    [InlineData("$5$s4lts4lts4lts4lt$Hh8OWeb4co72bSn7VW5IFEpOBGGhjEejT2KYakBIM/0", "sha256-crypt")]
    [InlineData("$6$s4lt$KLBPSdQYOvqCsxF3ajtuBGHBrfYDTFdnAO83Q.3TE3MlboNH7okenedWnBR.3dFisCnC92D9HlQZo8XeffkEy1", "sha512-crypt")]
    [InlineData("$S$DD4/tavbEqo7gIOKsxrNx8AQth.N8qABp1CDpxQ09XTYbKW9yH9P", "drupal7")]
    [InlineData("pbkdf2_sha256$260000$wzG8IpkLQN91CxbC6Tz5xV$jsJsL4AEdzdczydIbctZ4Gp2xcay97ylNPf6MMQjx4k=", "django-pbkdf2_sha256")]
    [InlineData("bcrypt_sha256$$2b$05$54mVrwwuBspgIkd1so6Ueu.Uh6cynoHJuQUcSUyqtUvjkogpdNLGi", "django-bcrypt_sha256")]
    [InlineData("AQAAAAIAAYagAAAAEFRj65ClWU/tL4LOAXB5kGVG5/Yy/0Rqs1RDIS+aPhtPxISzKzuY5gn2STz6X/H94g==", "aspnet-identity-v3")]
    [InlineData("AKzTb2VHA4DRed/Qv/zK2/zNRbKhvmT2AJ80MfeAllkFwbb8mn6xfdLTisFHjDfwQQ==", "aspnet-identity-v2")]
    public void Format_NamesTheVariant(string hash, string expected)
    {
        Assert.Equal(expected, LegacyPasswordHash.FromFormat("auto", hash).Format);
    }

    [Fact]
    public void Scrypt_MatchesTheRfc7914TestVector()
    {
        // RFC 7914 §12, third vector; also python3 hashlib.scrypt(b'password', salt=b'NaCl', n=1024, r=8, p=16, dklen=64)
        var key = Scrypt.DeriveKey("password"u8.ToArray(), "NaCl"u8.ToArray(), 1024, 8, 16, 64);

        Assert.Equal(
            "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
            Convert.ToHexStringLower(key));
    }

    public static TheoryData<string, string> Refused => new()
    {
        // Over a work cap
        { "$2y$31$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC", "bcrypt cost 31 is above the cap of 16" },
        { "$2b$17$l3PHxyashazYqeFHgDvnDebmlpEbpzW1cD4qxtp0m9r1F8PVu2gf2", "bcrypt cost 17 is above the cap of 16" },
        { "$argon2id$v=19$m=4194304,t=2,p=1$bXVWMnZXT1RYTmN3c0JHQg$u57PtrnnUUPlRcPIDHZWtB8wn7R8i+Rc/mTt28nmL5M", "argon2 m=4194304 KiB is outside" },
        { "$argon2id$v=19$m=1024,t=17,p=1$bXVWMnZXT1RYTmN3c0JHQg$u57PtrnnUUPlRcPIDHZWtB8wn7R8i+Rc/mTt28nmL5M", "argon2 t=17 is outside" },
        { "$argon2id$v=19$m=1024,t=2,p=17$bXVWMnZXT1RYTmN3c0JHQg$u57PtrnnUUPlRcPIDHZWtB8wn7R8i+Rc/mTt28nmL5M", "argon2 p=17 is outside" },
        { "$argon2id$v=19$m=262144,t=16,p=1$bXVWMnZXT1RYTmN3c0JHQg$u57PtrnnUUPlRcPIDHZWtB8wn7R8i+Rc/mTt28nmL5M", "argon2 m·t exceeds" },
        { "$pbkdf2-sha256$2000001$Uar1HoNQynmP8f7//9.7lw$PpYPCUcokisGyqP64zhxaQuvMQPQnqWIDux4IYeBQ2o", "pbkdf2 iterations must be within 1..2000000" },
        { "$pbkdf2-sha1$i=1500000,l=64$czRsdHM0bHQ$/CBH/fUaNkhOx1FYbCBINY1PvbU", "pbkdf2 hash is 20 bytes but l=64" },
        { "$scrypt$ln=30,r=8,p=1$hHCOkZJSitHa+1/rvdcagw$I4uE2u1vBSx9VjJ0QRcEJIw3ZfdYSozmdXvu69XPfZI", "more memory than allowed" },
        { "$scrypt$ln=10,r=8,p=17$hHCOkZJSitHa+1/rvdcagw$I4uE2u1vBSx9VjJ0QRcEJIw3ZfdYSozmdXvu69XPfZI", "more work than allowed" },
        { "$6$rounds=3000000$s4lt$KLBPSdQYOvqCsxF3ajtuBGHBrfYDTFdnAO83Q.3TE3MlboNH7okenedWnBR.3dFisCnC92D9HlQZo8XeffkEy1", "sha-crypt rounds must be within 1..2000000" },
        { "$P$N" + "fnjcgqnF" + new string('x', 22), "phpass iteration count 2^25 is above the cap" },
        { "pbkdf2_sha256$3000000$wzG8IpkLQN91CxbC6Tz5xV$jsJsL4AEdzdczydIbctZ4Gp2xcay97ylNPf6MMQjx4k=", "pbkdf2 iterations must be within" },
        { "scrypt$4194304$seasalt$8$1$Qj3+9PPyRjSJIebHnG81TMjsqtaIGxNQG/aEB/NYafTJ7tibgfYz71m0ldQESkXFRkdVCBhhY8mx7rQwite/Pw==", "more memory than allowed" },

        // Not readable
        { "plainly not a hash", "cannot tell the hash format" },
        { "$2x$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAfOC", "$2x$ is crypt_blowfish's sign-extension bug" },
        { "$2y$05$NZgs64Ce2zfEdBgkyc2SzOQxvyaYEf4u7WZyDcTer3bNDi6LhAf", "not a bcrypt hash" },
        { "$argon2id$m=1024,t=2,p=1$bXVWMnZXT1RYTmN3c0JHQg$u57PtrnnUUPlRcPIDHZWtB8wn7R8i+Rc/mTt28nmL5M", "argon2 version 1.0" },
        { "$argon2id$v=19$m=1024,t=2,p=1,data=YQ$bXVWMnZXT1RYTmN3c0JHQg$u57PtrnnUUPlRcPIDHZWtB8wn7R8i+Rc/mTt28nmL5M", "argon2 parameter 'data' is not supported" },
        { "$pbkdf2-mdc2$i=1000,l=16$czRsdHM0bHQ$Dwbnx2jVScrJvW3S60kJLA", "unknown pbkdf2 digest 'mdc2'" },
        { "{SSHA224}c0seKIt0SuHPp3WfTLUUyj8Z0zsXmjGQ4O8tfBu798ojZGxtDSEk5A==", "unsupported LDAP scheme {SSHA224}" },
        { "{SSHA}!!!", "not valid base64" },
        { "$1$s4ltS4lt$QXsUkfDwMQnppLWV1RjXR", "not a md5-crypt hash" },
        { "$S$DD4/tavbEqo7gIOKsxrNx8AQth.N8qABp1CDpxQ09XTYbKW9yH9", "a Drupal 7 $S$ hash has 55 characters" },
        { "crypt$$abN0lCcCa4Cgo", "Django's crypt hasher (DES crypt) is not supported" },
        { "AQAAAAIAAYagAAAAAFRj65ClWU/tL4LOAXB5kGVG5/Yy/0Rqs1RDIS+aPhtPxISzKzuY5gn2STz6X/H94g==", "ASP.NET Identity v3 header is invalid" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void CheckAndVerify_RefuseUnreadableOrExcessiveHashes_WithTheReason_AndWithoutTheHash(string hash, string reason)
    {
        var check = Assert.Throws<LegacyHashFormatException>(() => LegacyPasswordVerifier.Check(LegacyPasswordHash.FromFormat("auto", hash)));
        var verify = Assert.Throws<LegacyHashFormatException>(() => LegacyPasswordVerifier.Verify(Password, hash));

        Assert.Contains(reason, check.Message, StringComparison.Ordinal);
        Assert.Equal(check.Message, verify.Message);
        Assert.DoesNotContain(hash, check.Message, StringComparison.Ordinal);
        var tail = hash[^Math.Min(16, hash.Length)..];
        Assert.DoesNotContain(tail, check.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExcessiveAspNetIdentityIterations_AreRefused()
    {
        // A v3 header (PRF 2 = SHA-512) claiming 3,000,000 iterations, 16-byte salt and 32-byte subkey.
        var bytes = new byte[13 + 16 + 32];
        bytes[0] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(1), 2);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(5), 3_000_000);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(9), 16);

        var error = Assert.Throws<LegacyHashFormatException>(() => LegacyPasswordVerifier.Check(LegacyPasswordHash.FromFormat("aspnet-identity", Convert.ToBase64String(bytes))));

        Assert.Contains("within 1..2000000", error.Message, StringComparison.Ordinal);
    }
}
