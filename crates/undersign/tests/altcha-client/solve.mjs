// Solves a live undersign challenge with the official altcha-lib (protocol v1,
// the `altcha-lib/v1` module) and submits a signature with the solution, as a
// third-party client would. Usage: node solve.mjs BASE_URL SLUG EMAIL
import { solveChallenge } from 'altcha-lib/v1';

const [base, slug, email] = process.argv.slice(2);
const challenge = await (await fetch(`${base}/api/v1/letters/${slug}/challenge`)).json();
const solution = await solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm, challenge.maxnumber).promise;
if (!solution) {
  console.error('altcha-lib found no solution');
  process.exit(2);
}
const payload = Buffer.from(JSON.stringify({
  algorithm: challenge.algorithm,
  challenge: challenge.challenge,
  number: solution.number,
  salt: challenge.salt,
  signature: challenge.signature,
  took: solution.took,
})).toString('base64');
const response = await fetch(`${base}/api/v1/letters/${slug}/signatures`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ name: 'Node Client', email, consent: true, show_name: true, altcha: payload }),
});
console.log(JSON.stringify({ status: response.status, body: await response.json() }));
