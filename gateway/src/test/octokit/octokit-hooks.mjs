// GitHub's own JS client, unchanged, managing an organization webhook on a Portcullis gateway:
// createWebhook, getWebhook, listWebhooks, pingWebhook, listWebhookDeliveries, getWebhookDelivery,
// redeliverWebhookDelivery, updateWebhook and deleteWebhook. Prints one JSON summary on stdout;
// OctokitCompatibilityTest asserts it (and checks what its receiver got).
//
//   PORTCULLIS_API_URL=http://127.0.0.1:<port>/api/v3 PORTCULLIS_TOKEN=<org owner's token> \
//   PORTCULLIS_ORG=<org> PORTCULLIS_HOOK_URL=<receiver> PORTCULLIS_HOOK_SECRET=<secret> node octokit-hooks.mjs
import { Octokit } from "@octokit/rest";

const baseUrl = process.env.PORTCULLIS_API_URL;
const auth = process.env.PORTCULLIS_TOKEN;
const org = process.env.PORTCULLIS_ORG;
const url = process.env.PORTCULLIS_HOOK_URL;
const secret = process.env.PORTCULLIS_HOOK_SECRET;
if (!baseUrl || !auth || !org || !url || !secret) {
  console.error("usage: PORTCULLIS_API_URL=… PORTCULLIS_TOKEN=… PORTCULLIS_ORG=… PORTCULLIS_HOOK_URL=… PORTCULLIS_HOOK_SECRET=… node octokit-hooks.mjs");
  process.exit(2);
}

const octokit = new Octokit({
  baseUrl,
  auth,
  userAgent: "portcullis-octokit-hooks",
  log: { debug() {}, info() {}, warn: (...a) => console.error(...a), error: (...a) => console.error(...a) },
});

/** The status of a call expected to fail. */
async function failure(promise) {
  try {
    const r = await promise;
    return { status: r.status, unexpectedSuccess: true };
  } catch (e) {
    return { status: e.status };
  }
}

/** The hook's delivery log once it has at least n attempts (the gateway's sender polls each second). */
async function deliveries(hook_id, n) {
  for (let i = 0; i < 600; i++) {
    const r = await octokit.rest.orgs.listWebhookDeliveries({ org, hook_id, per_page: 100 });
    if (r.data.length >= n) {
      return r.data;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`fewer than ${n} deliveries`);
}

const summary = {};
const created = await octokit.rest.orgs.createWebhook({
  org,
  name: "web",
  config: { url, content_type: "json", secret, insecure_ssl: "0" },
  events: ["personal_access_token_request"],
  active: true,
});
const hook_id = created.data.id;
summary.created = { status: created.status, data: created.data };
summary.got = (await octokit.rest.orgs.getWebhook({ org, hook_id })).data;
summary.listed = (await octokit.rest.orgs.listWebhooks({ org })).data.map((h) => h.id);
const ping = await octokit.rest.orgs.pingWebhook({ org, hook_id });
summary.pingStatus = ping.status;
const two = await deliveries(hook_id, 2);
summary.deliveries = two;
const detail = await octokit.rest.orgs.getWebhookDelivery({ org, hook_id, delivery_id: two[0].id });
summary.detail = detail.data;
const again = await octokit.rest.orgs.redeliverWebhookDelivery({ org, hook_id, delivery_id: two[0].id });
summary.redeliver = { status: again.status, data: again.data };
summary.afterRedelivery = await deliveries(hook_id, 3);
const updated = await octokit.rest.orgs.updateWebhook({ org, hook_id, active: false });
summary.updated = updated.data;
const deleted = await octokit.rest.orgs.deleteWebhook({ org, hook_id });
summary.deleteStatus = deleted.status;
summary.gone = await failure(octokit.rest.orgs.getWebhook({ org, hook_id }));
console.log(JSON.stringify(summary, null, 2));
