// listUsers: one page of the campaign's legacy users for the pull import, keyset-paginated on the id, each with its
// hash: self-describing strings as they are, salted SHA-256 and MD5 as Auth0's custom_password_hash, none for the
// users without a usable hash (they are imported as "reset required").
async function listUsers(cursor, limit, context) {
  const rows = await db.query(
    `SELECT id, email, username, first_name, last_name, display_name, phone, email_verified, locale, newsletter, plan,
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created, hash_format, password_hash, password_salt
       FROM users WHERE id > $1 ORDER BY id LIMIT $2`,
    [cursor === null ? 0 : Number(cursor), limit]);
  return {
    users: rows.map(user => ({
      id: String(user.id),
      email: user.email,
      emailVerified: user.email_verified,
      username: user.username,
      givenName: user.first_name,
      familyName: user.last_name,
      name: user.display_name,
      phoneNumber: user.phone,
      userMetadata: { locale: user.locale, newsletter: user.newsletter },
      appMetadata: { plan: user.plan, legacyCreatedAt: user.created },
      ...hash(user),
    })),
    nextCursor: rows.length < limit ? null : String(rows[rows.length - 1].id),
  };
}

function hash(user) {
  switch (user.hash_format) {
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
    case 'none':
      return {};
    default:
      return { passwordHash: user.password_hash };
  }
}
