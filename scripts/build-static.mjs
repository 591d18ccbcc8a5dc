// Copy the compiled NHS.UK frontend (CSS, JS, images, icons, web manifest) from
// node_modules into static/vendor/nhsuk/, where Django's staticfiles finds it.
//
// Run with `npm run build` after `npm ci`. No bundler: the package ships
// compiled, minified files; we only copy them under stable names so templates
// never change when the package version does:
//
//   static/vendor/nhsuk/nhsuk.min.css   (+ .map)   from dist/nhsuk/nhsuk-frontend.min.css
//   static/vendor/nhsuk/nhsuk.min.js    (+ .map)   from dist/nhsuk/nhsuk-frontend.min.js (an ES module)
//   static/vendor/nhsuk/assets/...                 from dist/nhsuk/assets/ (favicons, icons, manifest.json)
//   static/vendor/nhsuk/VERSION                    the nhsuk-frontend version copied
//
// static/css/oversight.css and static/js/oversight.js are ours and are not
// touched. The NHS logo is inline SVG in templates/base.html. The Frutiger web
// fonts are not in the package (licensed): its CSS loads them from
// https://assets.nhs.uk/fonts/, which an NHS network or an offline demo may not
// reach. No request leaves the site, so their @font-face rules are dropped:
// the font stack is then "Frutiger W01" where installed, else Arial, else the
// system sans-serif — the fallback NHS.UK frontend itself names. The build
// fails if any off-site url() is left.

import { cp, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const pkgJson = require.resolve('nhsuk-frontend/package.json', { paths: [root] })
const { version } = JSON.parse(await readFile(pkgJson, 'utf8'))
const dist = join(dirname(pkgJson), 'dist', 'nhsuk')
const out = join(root, 'static', 'vendor', 'nhsuk')

async function mustExist(path) {
  try {
    await stat(path)
  } catch {
    throw new Error(
      `nhsuk-frontend ${version}: expected ${relative(root, path)} — has the package layout changed?`
    )
  }
}

// The compiled CSS points at its images with root-absolute URLs
// (url(/assets/images/…)), which only work if the assets are served at /assets/.
// Rewrite them relative to the stylesheet, so they resolve under STATIC_URL and
// ManifestStaticFilesStorage can hash them.
function relativiseAssetUrls(css) {
  return css.replace(/url\((['"]?)\/assets\//g, 'url($1assets/')
}

// Every @font-face whose source is off-site (the Frutiger files on assets.nhs.uk).
function dropRemoteFontFaces(css) {
  return css.replace(/@font-face\{[^}]*url\((['"]?)https?:[^}]*\}/g, '')
}

// Copy a compiled file under a new name, pointing its sourceMappingURL comment
// at the renamed map (ManifestStaticFilesStorage follows that comment and fails
// if the map is missing).
async function copyRenamed({ from, to, transform = (text) => text }) {
  const src = join(dist, from)
  await mustExist(src)
  await mustExist(`${src}.map`)
  let text = transform(await readFile(src, 'utf8'))
  const mapComment = /sourceMappingURL=[^\s*]+/
  if (!mapComment.test(text)) {
    throw new Error(`${from}: no sourceMappingURL comment found`)
  }
  text = text.replace(mapComment, `sourceMappingURL=${to}.map`)
  await writeFile(join(out, to), text)
  await cp(`${src}.map`, join(out, `${to}.map`))
  return text
}

await rm(out, { recursive: true, force: true })
await mkdir(out, { recursive: true })

const css = await copyRenamed({
  from: 'nhsuk-frontend.min.css',
  to: 'nhsuk.min.css',
  transform: (text) => dropRemoteFontFaces(relativiseAssetUrls(text))
})
await copyRenamed({ from: 'nhsuk-frontend.min.js', to: 'nhsuk.min.js' })

await mustExist(join(dist, 'assets'))
await cp(join(dist, 'assets'), join(out, 'assets'), { recursive: true })

// Every url() in the stylesheet must now point at a copied file: none off-site.
for (const [, , url] of css.matchAll(/url\((['"]?)([^'")]+)\1\)/g)) {
  if (/^(https?:)?\/\//.test(url)) {
    throw new Error(`nhsuk.min.css still loads ${url}: nothing may be fetched off-site`)
  }
  if (/^(data:|#)/.test(url)) continue
  await mustExist(join(out, url.split(/[?#]/)[0]))
}

await writeFile(join(out, 'VERSION'), `${version}\n`)
console.log(`nhsuk-frontend ${version} → ${relative(root, out)}/`)
