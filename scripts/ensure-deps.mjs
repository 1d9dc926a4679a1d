// Runs before `npm start` and `npm test`: on a fresh clone, or when package-lock.json asks for packages
// that node_modules/ does not hold, it runs `npm ci`, so each of those commands is the whole set-up.
import { execSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

function missingPackages() {
  const hidden = 'node_modules/.package-lock.json';
  if (!existsSync(hidden)) return ['node_modules/'];
  const want = JSON.parse(readFileSync('package-lock.json', 'utf8')).packages;
  const have = JSON.parse(readFileSync(hidden, 'utf8')).packages;
  // Optional packages for other platforms (sharp's @img/*) are in the lock file but never installed.
  return Object.entries(want)
    .filter(([key, entry]) => key !== '' && !entry.optional && have[key]?.version !== entry.version)
    .map(([key]) => key);
}

const missing = missingPackages();
if (missing.length > 0) {
  console.log(`Installing npm dependencies (npm ci): ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', ...' : ''} missing`);
  execSync('npm ci --no-audit --no-fund', { stdio: 'inherit' });
}
