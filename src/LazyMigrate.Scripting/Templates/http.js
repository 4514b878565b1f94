// Native login and getUser against a legacy web service. Put the service's host on the connection's HTTP
// allow-list and its base URL in the setting LEGACY_API_URL (secrets such as LEGACY_API_KEY are redacted in logs).

async function login(email, password, context) {
  const response = await http.request({
    url: configuration.LEGACY_API_URL + '/login',
    method: 'POST',
    headers: { 'x-api-key': configuration.LEGACY_API_KEY || '' },
    body: { email: email, password: password },
  });
  if (response.status === 404) {
    return null;
  }

  if (response.status === 401) {
    throw new WrongUsernameOrPasswordError(email);
  }

  if (response.status !== 200) {
    throw new Error('legacy service answered ' + response.status);
  }

  return profile(response.json);
}

async function getUser(email, context) {
  const response = await http.request({
    url: configuration.LEGACY_API_URL + '/users?email=' + encodeURIComponent(email),
    headers: { 'x-api-key': configuration.LEGACY_API_KEY || '' },
  });
  if (response.status === 404) {
    return null;
  }

  if (response.status !== 200) {
    throw new Error('legacy service answered ' + response.status);
  }

  return profile(response.json);
}

function profile(user) {
  return {
    id: String(user.id),
    email: user.email,
    emailVerified: Boolean(user.emailVerified),
    name: user.name,
  };
}
