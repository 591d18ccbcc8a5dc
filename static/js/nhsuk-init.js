// Loads and initialises NHS.UK frontend, as its v10 docs say; a file rather than an inline
// module for the Content-Security-Policy (script-src 'self'; oversight/security.py).
import { initAll } from '../vendor/nhsuk/nhsuk.min.js'

initAll()
