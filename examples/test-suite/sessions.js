'use strict';
// The code under test in these examples: a session store. `open()` has the classic leak of a
// forgotten audit array; `openFixed()` keeps only the last 100 entries.
class Session {
  constructor(user) {
    this.user = user;
    this.createdAt = Date.now();
  }
}

const auditLog = []; // module-level: lives as long as the process
const recent = [];

function open(user) {
  const s = new Session(user);
  auditLog.push({ user, session: s }); // never trimmed: one entry per call, forever
  return s;
}

function openFixed(user) {
  const s = new Session(user);
  recent.push(user);
  if (recent.length > 100) recent.shift();
  return s;
}

module.exports = { Session, open, openFixed };
