// Posts the authorization response on to the application (response_mode=form_post). A file, not an inline script,
// so the site-wide Content-Security-Policy (script-src 'self') allows it; without JavaScript the button does the same.
"use strict";
document.getElementById("form-post")?.submit();
