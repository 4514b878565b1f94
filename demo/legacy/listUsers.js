// listUsers: one page of the demo legacy users for a pull import (the bulk import of everyone who never signed in).
// Keyset pagination on the id: a page starts after the last id of the previous one, so no user is skipped or seen
// twice while others are added, and a resumed import continues where it stopped. Each user carries its legacy hash:
// bcrypt strings as they are, the salted SHA-256 and MD5 ones described like Auth0's custom_password_hash.
async function listUsers(cursor, limit, context) {
  const rows = await db.query(
    `SELECT id, email, username, first_name, last_name, phone, email_verified,
            hash_algorithm, password_hash, password_salt
       FROM users
      WHERE id > $1
      ORDER BY id
      LIMIT $2`,
    [cursor === null ? 0 : Number(cursor), limit]);
  return {
    users: rows.map(user => ({
      id: String(user.id),
      email: user.email,
      emailVerified: user.email_verified,
      username: user.username,
      givenName: user.first_name,
      familyName: user.last_name,
      name: user.first_name + ' ' + user.last_name,
      phoneNumber: user.phone,
      ...legacyHash(user),
    })),
    nextCursor: rows.length < limit ? null : String(rows[rows.length - 1].id),
  };
}

function legacyHash(user) {
  switch (user.hash_algorithm) {
    case 'bcrypt':
      return { passwordHash: user.password_hash };
    case 'sha256':
      return {
        customPasswordHash: {
          algorithm: 'sha256',
          hash: { value: user.password_hash, encoding: 'hex' },
          salt: { value: user.password_salt, encoding: 'utf8', position: 'prefix' },
        },
      };
    case 'md5':
      return { customPasswordHash: { algorithm: 'md5', hash: { value: user.password_hash, encoding: 'hex' } } };
    default:
      // No usable hash: the user is imported and chooses a password through the reset flow.
      return {};
  }
}
