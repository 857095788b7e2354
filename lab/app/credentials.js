// Where the sample service gets its database credentials: from the files of
// a mounted Secret volume (`username`, `password`), which the kubelet
// replaces atomically by swapping the `..data` symlink, or from environment
// variables (the anti-pattern: they never change until the pod restarts).
import { watch } from 'node:fs';
import { readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * @typedef {{ username: string, password: string, source: string }} Credentials
 */

/** Reads credentials from the mounted Secret folder. */
export async function readCredentialFiles(folder) {
  const [username, password] = await Promise.all([
    readFile(join(folder, 'username'), 'utf8'),
    readFile(join(folder, 'password'), 'utf8'),
  ]);
  return { username: username.trim(), password: password.trim(), source: `files in ${folder}` };
}

/** Reads credentials from DB_USERNAME and DB_PASSWORD. */
export function readCredentialEnv(env) {
  const username = env.DB_USERNAME;
  const password = env.DB_PASSWORD;
  if (!username || !password) {
    throw new Error('DB_USERNAME and DB_PASSWORD must both be set in env mode; set them from the Secret with secretKeyRef');
  }
  return { username, password, source: 'environment variables' };
}

/**
 * Calls `onChange` when the `..data` symlink of `folder` points at a new
 * timestamped folder. It watches the folder and also polls every
 * `pollMs`, because inotify events for a renamed symlink are not delivered
 * on every file system. Returns a function that stops watching.
 */
export function watchCredentialFolder(folder, onChange, pollMs = 500) {
  let current;
  let stopped = false;
  const check = async () => {
    if (stopped) return;
    let target;
    try {
      target = await readlink(join(folder, '..data'));
    } catch {
      return;
    }
    if (current === undefined) {
      current = target;
      return;
    }
    if (target !== current) {
      current = target;
      onChange(target);
    }
  };
  check();
  let watcher;
  try {
    watcher = watch(folder, () => check());
    watcher.on('error', () => undefined);
  } catch {
    watcher = undefined;
  }
  const timer = setInterval(check, pollMs);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
    watcher?.close();
  };
}
