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

/**
 * Tables that would overflow a narrow screen scroll sideways in their own box
 * (static/css/oversight.css .app-table-scroll), not the page. A box that
 * scrolls gets a name (the table's caption) and a tab stop, so keyboard users
 * can scroll it too (WCAG 2.1.1); re-checked when the window is resized.
 *
 * @param {ParentNode} scope
 */
function initScrollingTables(scope) {
  const boxes = []
  for (const table of scope.querySelectorAll('.nhsuk-main-wrapper table.nhsuk-table')) {
    let box = table.parentElement
    if (!box.classList.contains('app-table-scroll')) {
      box = document.createElement('div')
      box.className = 'app-table-scroll'
      table.before(box)
      box.append(table)
    }
    boxes.push(box)
  }
  const mark = () => {
    for (const box of boxes) {
      const table = box.querySelector('table')
      const overflows = box.scrollWidth > box.clientWidth + 1
      if (overflows && !box.hasAttribute('tabindex')) {
        box.setAttribute('tabindex', '0')
        box.setAttribute('role', 'region')
        const caption = table.caption?.textContent.trim()
        box.setAttribute('aria-label', caption || 'Table')
        box.dataset.appScrollMarked = ''
      } else if (!overflows && 'appScrollMarked' in box.dataset) {
        for (const name of ['tabindex', 'role', 'aria-label']) box.removeAttribute(name)
        delete box.dataset.appScrollMarked
      }
    }
  }
  mark()
  window.addEventListener('resize', mark)
}

initCopyButtons(document)
initScrollingTables(document)
