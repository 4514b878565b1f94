// getUser: the campaign's legacy users table, for registration, resets and linking.
async function getUser(email, context) {
  const rows = await db.query(
    `SELECT id, email, username, first_name, last_name, display_name, phone, email_verified, locale, newsletter, plan,
            to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS created
       FROM users WHERE lower(email) = lower($1) OR lower(username) = lower($1)`, [email]);
  if (rows.length === 0) {
    return null;
  }

  const user = rows[0];
  return {
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
  };
}
