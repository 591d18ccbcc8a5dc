// Oversight's own progressive enhancements, loaded as an ES module after
// NHS.UK frontend has been initialised (templates/base.html). Every page must
// work without it: features here only add convenience.

/**
 * Copy buttons, e.g. for a newly issued API token:
 *
 *   <input class="nhsuk-input" id="api-token" value="…" readonly>
 *   <button class="nhsuk-button nhsuk-button--secondary" type="button"
 *     data-app-copy="#api-token" hidden>Copy token</button>
 *
 * The button starts hidden because it does nothing without JavaScript (or
 * without the Clipboard API, which needs a secure context); the result is
 * announced through a polite live region next to it.
 *
 * @param {ParentNode} scope
 */
function initCopyButtons(scope) {
  if (!navigator.clipboard) return

  for (const button of scope.querySelectorAll('button[data-app-copy]')) {
    const target = document.querySelector(button.dataset.appCopy)
    if (!target) continue

    const status = document.createElement('span')
    status.className = 'nhsuk-u-visually-hidden'
    status.setAttribute('aria-live', 'polite')
    button.after(status)
    button.hidden = false

    button.addEventListener('click', async () => {
      const text = 'value' in target ? target.value : target.textContent
      status.textContent = '' // so a second "Copied" is announced again
      try {
        await navigator.clipboard.writeText(text.trim())
        status.textContent = 'Copied'
      } catch {
        status.textContent = 'Could not copy. Select the text and copy it yourself.'
      }
    })
  }
}

initCopyButtons(document)
