// Passkey ceremonies for the account pages (register on /Account/Security, sign in on the login and code pages).
// A static file, not an inline script, so the site-wide Content-Security-Policy (script-src 'self') allows it.
//
// A form marked data-passkey="create" or "get" stays hidden unless the browser can do WebAuthn. On submit the script
// asks the page's options handler (data-options-url, a POST with the form's antiforgery token) for the options
// JSON, lets the browser create or use the passkey, puts the credential (its toJSON() form) into the form's
// "Credential" field and submits the form for real, so the server answers with an ordinary page or redirect.
"use strict";
(() => {
  const supported = typeof window.PublicKeyCredential === "function"
    && typeof PublicKeyCredential.parseCreationOptionsFromJSON === "function"
    && typeof PublicKeyCredential.parseRequestOptionsFromJSON === "function";

  for (const form of document.querySelectorAll("form[data-passkey]")) {
    if (!supported) {
      continue;
    }

    form.hidden = false;
    const status = form.querySelector("[data-passkey-status]");
    const say = (text) => { if (status) { status.textContent = text; } };

    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      if (button) { button.disabled = true; }
      say("");
      try {
        const token = form.querySelector("input[name=__RequestVerificationToken]")?.value ?? "";
        const response = await fetch(form.dataset.optionsUrl, {
          method: "POST",
          credentials: "same-origin",
          headers: { "RequestVerificationToken": token },
        });
        if (!response.ok) {
          throw new Error("options");
        }

        const options = await response.json();
        const credential = form.dataset.passkey === "create"
          ? await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })
          : await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) });
        if (!credential) {
          throw new Error("cancelled");
        }

        form.querySelector("input[name=Credential]").value = JSON.stringify(credential);
        // submit() does not fire this handler again.
        form.submit();
      } catch (error) {
        say(error?.name === "NotAllowedError"
          ? "The passkey request was cancelled or timed out."
          : "That didn't work. Please try again.");
        if (button) { button.disabled = false; }
      }
    });
  }
})();
