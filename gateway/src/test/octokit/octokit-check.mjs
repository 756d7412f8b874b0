// GitHub's own JS client, unchanged, against a Portcullis gateway: the 8 org token operations through
// octokit.rest.orgs.* and octokit.paginate. Prints one JSON summary on stdout; OctokitCompatibilityTest
// asserts it.
//
//   PORTCULLIS_API_URL=http://127.0.0.1:<port>/api/v3 PORTCULLIS_TOKEN=<org owner's token> \
//   PORTCULLIS_ORG=<org> node octokit-check.mjs
//
// The organization is expected to hold at least 5 pending requests and no grants. The script approves
// the 3 newest (one alone, two in bulk), denies the 4th, then revokes the 3 grants (one alone, two in
// bulk), and leaves the oldest request pending.
import { Octokit } from "@octokit/rest";

const baseUrl = process.env.PORTCULLIS_API_URL;
const auth = process.env.PORTCULLIS_TOKEN;
const org = process.env.PORTCULLIS_ORG;
const owner = process.env.PORTCULLIS_OWNER_FILTER; // a login, for the owner[] filter
if (!baseUrl || !auth || !org) {
  console.error("usage: PORTCULLIS_API_URL=http://127.0.0.1:<port>/api/v3 PORTCULLIS_TOKEN=… PORTCULLIS_ORG=… node octokit-check.mjs");
  process.exit(2);
}

const octokit = new Octokit({
  baseUrl,
  auth,
  userAgent: "portcullis-octokit-check",
  log: { debug() {}, info() {}, warn: (...a) => console.error(...a), error: (...a) => console.error(...a) },
});

/** Every HTTP exchange Octokit made: method, path and query, status, Authorization scheme. */
const exchanges = [];
octokit.hook.after("request", (response, options) => {
  exchanges.push({ method: options.method, url: response.url, status: response.status });
});
octokit.hook.error("request", (error, options) => {
  exchanges.push({ method: options.method, url: options.url, status: error.status });
  throw error;
});

/** Paginates, counting pages. */
async function paginate(method, params) {
  let pages = 0;
  const items = await octokit.paginate(method, params, (response) => {
    pages++;
    if (!Array.isArray(response.data)) {
      throw new Error(`page ${pages} is not a JSON array: ${typeof response.data}`);
    }
    return response.data;
  });
  return { items, pages };
}

/** The status of a call expected to fail. */
async function failure(promise) {
  try {
    const r = await promise;
    return { status: r.status, unexpectedSuccess: true };
  } catch (e) {
    return { status: e.status, message: e.response?.data?.message ?? null, dataType: typeof e.response?.data };
  }
}

const summary = {};

const requests = await paginate(octokit.rest.orgs.listPatGrantRequests, { org, per_page: 2 });
summary.requests = {
  count: requests.items.length,
  pages: requests.pages,
  ids: requests.items.map((r) => r.id),
  tokenIds: requests.items.map((r) => r.token_id),
  owners: [...new Set(requests.items.map((r) => r.owner.login))].sort(),
  fields: Object.keys(requests.items[0] ?? {}).sort(),
};
const ascending = await paginate(octokit.rest.orgs.listPatGrantRequests, { org, per_page: 3, direction: "asc" });
summary.requestsAscending = { ids: ascending.items.map((r) => r.id), pages: ascending.pages };
if (owner) {
  const filtered = await paginate(octokit.rest.orgs.listPatGrantRequests, { org, owner: [owner], per_page: 1 });
  summary.requestsOfOwner = { owner, count: filtered.items.length, pages: filtered.pages };
  const both = await paginate(octokit.rest.orgs.listPatGrantRequests, {
    org, owner: [owner, "someone-else"], permission: "contents_read", per_page: 2 });
  summary.requestsOfOwnerWithContentsRead = { count: both.items.length };
}

const [r0, r1, r2, r3] = requests.items;
summary.requestRepositories = {};
for (const r of requests.items) {
  const repos = await paginate(octokit.rest.orgs.listPatGrantRequestRepositories, { org, pat_request_id: r.id, per_page: 1 });
  summary.requestRepositories[r.id] = { names: repos.items.map((x) => x.name).sort(), pages: repos.pages };
}

const one = await octokit.rest.orgs.reviewPatGrantRequest({ org, pat_request_id: r0.id, action: "approve", reason: "ok" });
summary.reviewOne = { status: one.status, data: one.data ?? null };
const bulk = await octokit.rest.orgs.reviewPatGrantRequestsInBulk({ org, pat_request_ids: [r1.id, r2.id], action: "approve" });
summary.reviewBulk = { status: bulk.status, data: bulk.data };
const deny = await octokit.rest.orgs.reviewPatGrantRequestsInBulk({ org, pat_request_ids: [r3.id], action: "deny", reason: "too broad" });
summary.denyBulk = { status: deny.status, data: deny.data };
summary.reviewAgain = await failure(octokit.rest.orgs.reviewPatGrantRequest({ org, pat_request_id: r0.id, action: "deny" }));
summary.reviewUnknownOrg = await failure(octokit.rest.orgs.reviewPatGrantRequest({
  org: `${org}-does-not-exist`, pat_request_id: r0.id, action: "deny" }));
summary.reviewBadAction = await failure(octokit.rest.orgs.reviewPatGrantRequestsInBulk({
  org, pat_request_ids: [r0.id], action: "maybe" }));

const remaining = await paginate(octokit.rest.orgs.listPatGrantRequests, { org, per_page: 2 });
summary.remainingRequests = { count: remaining.items.length, ids: remaining.items.map((r) => r.id) };

const grants = await paginate(octokit.rest.orgs.listPatGrants, { org, per_page: 2 });
summary.grants = {
  count: grants.items.length,
  pages: grants.pages,
  ids: grants.items.map((g) => g.id),
  fields: Object.keys(grants.items[0] ?? {}).sort(),
};
summary.grantRepositories = {};
for (const g of grants.items) {
  const repos = await paginate(octokit.rest.orgs.listPatGrantRepositories, { org, pat_id: g.id, per_page: 1 });
  summary.grantRepositories[g.id] = { names: repos.items.map((x) => x.name).sort(), pages: repos.pages };
}
const [g0, g1, g2] = grants.items;
const revokeOne = await octokit.rest.orgs.updatePatAccess({ org, pat_id: g0.id, action: "revoke" });
summary.revokeOne = { status: revokeOne.status, data: revokeOne.data ?? null };
const revokeBulk = await octokit.rest.orgs.updatePatAccesses({ org, action: "revoke", pat_ids: [g1.id, g2.id] });
summary.revokeBulk = { status: revokeBulk.status, data: revokeBulk.data };
summary.revokeAgain = await failure(octokit.rest.orgs.updatePatAccess({ org, pat_id: g0.id, action: "revoke" }));
summary.revokedRepositories = await failure(octokit.rest.orgs.listPatGrantRepositories({ org, pat_id: g0.id }));
const after = await paginate(octokit.rest.orgs.listPatGrants, { org });
summary.grantsAfter = { count: after.items.length };

summary.exchanges = exchanges.length;
summary.followedLinks = exchanges.filter((e) => /[?&]page=\d/.test(e.url)).map((e) => e.url);
console.log(JSON.stringify(summary, null, 2));
