// SPDX-License-Identifier: MIT
/* The registry: containers and services on networks, as told by register
 * requests. Plain data; the zone is compiled from it. */
#include "dns/dns.h"

#include "common/cleanup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int name_check(const char *what, const char *s, bool required, struct plumb_err *err)
{
	uint8_t wire[DNS_NAME_MAX];

	if (!s || !*s) {
		if (required)
			return plumb_err_set(err, EINVAL, "missing %s", what);
		return 0;
	}
	/* Letters, digits, '-' and '_' in dot-separated labels: what container
	 * runtimes allow in names, and nothing a resolver would choke on. */
	if (strlen(s) > DNS_NAME_TEXT_MAX || strspn(s, "abcdefghijklmnopqrstuvwxyz"
						       "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.") !=
						       strlen(s) ||
	    dns_name_from_text(s, wire) < 0)
		return plumb_err_set(err, EINVAL,
				     "%s '%s' is not a DNS name (labels of 1-63 letters, digits, "
				     "'-' or '_', at most 253 characters in all)",
				     what, s);
	return 0;
}

int dns_reg_validate(const struct dns_reg *r, struct plumb_err *err)
{
	int rc;

	if ((rc = name_check("network", r->network, true, err)) < 0)
		return rc;
	if (!r->id || !*r->id || strlen(r->id) > 256)
		return plumb_err_set(err, EINVAL, "missing or too long container id");
	if ((rc = name_check("name", r->name, r->kind == DNS_REG_SERVICE, err)) < 0)
		return rc;
	for (size_t i = 0; i < r->naliases; i++)
		if ((rc = name_check("alias", r->aliases[i], true, err)) < 0)
			return rc;
	if (r->naddrs > 1024)
		return plumb_err_set(err, EINVAL, "too many addresses (%zu, at most 1024)",
				     r->naddrs);
	for (size_t i = 0; i < r->naddrs; i++)
		if (r->addrs[i].family != AF_INET && r->addrs[i].family != AF_INET6)
			return plumb_err_set(err, EINVAL, "address %zu has no family", i);
	if (r->kind == DNS_REG_SERVICE) {
		if ((rc = name_check("service namespace", r->svc_namespace, true, err)) < 0 ||
		    (rc = name_check("cluster domain", r->cluster_domain, false, err)) < 0)
			return rc;
		for (size_t i = 0; i < r->nports; i++)
			if (!r->ports[i].port || !r->ports[i].proto[0])
				return plumb_err_set(err, EINVAL,
						     "service port %zu needs a port and a protocol",
						     i);
	}
	return 0;
}

void dns_reg_free(struct dns_reg *r)
{
	free(r->network);
	free(r->id);
	free(r->name);
	for (size_t i = 0; i < r->naliases; i++)
		free(r->aliases[i]);
	free(r->aliases);
	free(r->addrs);
	free(r->netns);
	free(r->svc_namespace);
	free(r->cluster_domain);
	free(r->ports);
	memset(r, 0, sizeof(*r));
}

static int dup_str(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return 0;
	*dst = strdup(src);
	return *dst ? 0 : -ENOMEM;
}

static int reg_copy(struct dns_reg *d, const struct dns_reg *s)
{
	memset(d, 0, sizeof(*d));
	d->kind = s->kind;
	d->headless = s->headless;
	if (dup_str(&d->network, s->network) || dup_str(&d->id, s->id) ||
	    dup_str(&d->name, s->name) || dup_str(&d->netns, s->netns) ||
	    dup_str(&d->svc_namespace, s->svc_namespace) ||
	    dup_str(&d->cluster_domain, s->cluster_domain))
		goto oom;
	if (s->naliases) {
		d->aliases = calloc(s->naliases, sizeof(char *));
		if (!d->aliases)
			goto oom;
		d->naliases = s->naliases;
		for (size_t i = 0; i < s->naliases; i++)
			if (dup_str(&d->aliases[i], s->aliases[i]))
				goto oom;
	}
	if (s->naddrs) {
		d->addrs = malloc(s->naddrs * sizeof(*d->addrs));
		if (!d->addrs)
			goto oom;
		memcpy(d->addrs, s->addrs, s->naddrs * sizeof(*d->addrs));
		d->naddrs = s->naddrs;
	}
	if (s->nports) {
		d->ports = malloc(s->nports * sizeof(*d->ports));
		if (!d->ports)
			goto oom;
		memcpy(d->ports, s->ports, s->nports * sizeof(*d->ports));
		d->nports = s->nports;
	}
	return 0;
oom:
	dns_reg_free(d);
	return -ENOMEM;
}

static bool same(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static uint32_t key_hash(const char *network, const char *id)
{
	uint32_t h = 2166136261u;

	for (const char *p = network; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	h = (h ^ 0xff) * 16777619u;
	for (const char *p = id; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	return h ^ (h >> 15);
}

/* Slot of (network, id): its entry, or the empty slot where it would go. */
static uint32_t *index_slot(const struct dns_registry *reg, const char *network, const char *id)
{
	size_t mask = reg->index_size - 1;

	for (size_t s = key_hash(network, id) & mask;; s = (s + 1) & mask) {
		uint32_t i = reg->index[s];

		if (!i || (same(reg->regs[i - 1].network, network) && same(reg->regs[i - 1].id, id)))
			return &reg->index[s];
	}
}

/* Rebuild the index (after growth or removals) at a size with room for n. */
static int index_rebuild(struct dns_registry *reg, size_t n)
{
	size_t size = 64;
	uint32_t *idx;

	while (size < 2 * n)
		size *= 2;
	idx = calloc(size, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	free(reg->index);
	reg->index = idx;
	reg->index_size = size;
	for (size_t i = 0; i < reg->nregs; i++)
		*index_slot(reg, reg->regs[i].network, reg->regs[i].id) = (uint32_t)i + 1;
	return 0;
}

int dns_registry_put(struct dns_registry *reg, const struct dns_reg *r, struct plumb_err *err)
{
	struct dns_reg copy;
	uint32_t *slot;
	int rc;

	rc = dns_reg_validate(r, err);
	if (rc < 0)
		return rc;
	if (2 * (reg->nregs + 1) > reg->index_size && index_rebuild(reg, reg->nregs + 1) < 0)
		return plumb_err_set(err, ENOMEM, "out of memory");
	if (reg_copy(&copy, r) < 0)
		return plumb_err_set(err, ENOMEM, "out of memory");
	slot = index_slot(reg, r->network, r->id);
	if (*slot) {
		dns_reg_free(&reg->regs[*slot - 1]);
		reg->regs[*slot - 1] = copy;
		return 0;
	}
	if (reg->nregs == reg->capregs) {
		size_t cap = reg->capregs ? reg->capregs * 2 : 16;
		struct dns_reg *v = realloc(reg->regs, cap * sizeof(*v));

		if (!v) {
			dns_reg_free(&copy);
			return plumb_err_set(err, ENOMEM, "out of memory");
		}
		reg->regs = v;
		reg->capregs = cap;
	}
	reg->regs[reg->nregs++] = copy;
	*slot = (uint32_t)reg->nregs;
	return 0;
}

int dns_registry_del(struct dns_registry *reg, const char *network, const char *id)
{
	size_t j = 0;
	int removed = 0;

	for (size_t i = 0; i < reg->nregs; i++) {
		if ((!network || same(reg->regs[i].network, network)) &&
		    same(reg->regs[i].id, id)) {
			dns_reg_free(&reg->regs[i]);
			removed++;
			continue;
		}
		reg->regs[j++] = reg->regs[i];
	}
	reg->nregs = j;
	if (removed && index_rebuild(reg, reg->nregs) < 0) {
		free(reg->index); /* no memory for an index: the next put makes one */
		reg->index = NULL;
		reg->index_size = 0;
	}
	return removed;
}

const struct dns_netconf *dns_registry_net_find(const struct dns_registry *reg, const char *name)
{
	for (size_t i = 0; i < reg->nnets; i++)
		if (same(reg->nets[i].name, name))
			return &reg->nets[i];
	return NULL;
}

void dns_netconf_free(struct dns_netconf *n)
{
	free(n->name);
	free(n->domain);
	memset(n, 0, sizeof(*n));
}

int dns_registry_net_put(struct dns_registry *reg, const struct dns_netconf *n,
			 struct plumb_err *err)
{
	struct dns_netconf *cur = (struct dns_netconf *)dns_registry_net_find(reg, n->name);
	_cleanup_free_ char *domain = NULL;
	int rc;

	if ((rc = name_check("network", n->name, true, err)) < 0 ||
	    (rc = name_check("domain", n->domain, false, err)) < 0)
		return rc;
	if (n->domain && *n->domain && !(domain = strdup(n->domain)))
		return plumb_err_set(err, ENOMEM, "out of memory");
	if (!cur) {
		if (reg->nnets == reg->capnets) {
			size_t cap = reg->capnets ? reg->capnets * 2 : 8;
			struct dns_netconf *v = realloc(reg->nets, cap * sizeof(*v));

			if (!v)
				return plumb_err_set(err, ENOMEM, "out of memory");
			reg->nets = v;
			reg->capnets = cap;
		}
		cur = &reg->nets[reg->nnets];
		memset(cur, 0, sizeof(*cur));
		if (!(cur->name = strdup(n->name)))
			return plumb_err_set(err, ENOMEM, "out of memory");
		reg->nnets++;
	}
	if (domain) {
		free(cur->domain);
		cur->domain = TAKE_PTR(domain);
	}
	if (n->nlisten) {
		memcpy(cur->listen, n->listen, sizeof(cur->listen));
		cur->nlisten = n->nlisten;
	}
	if (n->nsubnets) {
		memcpy(cur->subnets, n->subnets, sizeof(cur->subnets));
		cur->nsubnets = n->nsubnets;
	}
	return 0;
}

void dns_registry_free(struct dns_registry *reg)
{
	for (size_t i = 0; i < reg->nregs; i++)
		dns_reg_free(&reg->regs[i]);
	for (size_t i = 0; i < reg->nnets; i++)
		dns_netconf_free(&reg->nets[i]);
	free(reg->regs);
	free(reg->index);
	free(reg->nets);
	memset(reg, 0, sizeof(*reg));
}
