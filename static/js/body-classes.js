// The classes NHS.UK frontend checks before it initialises, added as soon as <body> exists
// (a classic script at its top: templates/base.html). A file, not inline, for the
// Content-Security-Policy (script-src 'self'; oversight/security.py).
document.body.className +=
  ' js-enabled' +
  ('noModule' in HTMLScriptElement.prototype ? ' nhsuk-frontend-supported' : '')
