/*
 * map.c - chunked arrays (qfs_vec) and an open-addressing hash map from u64 keys to
 * (u64, u32) values over one, memory from the environment's allocator in pieces of at most
 * a block. Linear probing, backward-shift delete.
 */
#include "qfs_internal.h"

#include <string.h>

/* ---- chunked arrays ---- */

void qfs_vec_init(struct qfs_vec *v, const struct qfs_env *env, size_t elsize)
{
	size_t per = 1;
	while (per * 2 * elsize <= QFS_BLOCK_SIZE)
		per *= 2;
	v->env = env;
	v->chunk = NULL;
	v->nchunk = v->capchunk = 0;
	v->elsize = elsize;
	v->per = per;
}

int qfs_vec_reserve(struct qfs_vec *v, size_t n)
{
	size_t want = (n + v->per - 1) / v->per;
	if (want > v->capchunk) {
		size_t ncap = v->capchunk ? v->capchunk : 8;
		while (ncap < want)
			ncap *= 2;
		uint8_t **d = v->env->alloc(v->env->ctx, ncap * sizeof(*d));
		if (!d)
			return QFS_ENOMEM;
		for (size_t i = 0; i < v->nchunk; i++)
			d[i] = v->chunk[i];
		if (v->chunk)
			v->env->free(v->env->ctx, v->chunk);
		v->chunk = d;
		v->capchunk = ncap;
	}
	while (v->nchunk < want) {
		uint8_t *c = v->env->alloc(v->env->ctx, v->per * v->elsize);
		if (!c)
			return QFS_ENOMEM;
		memset(c, 0, v->per * v->elsize);
		v->chunk[v->nchunk++] = c;
	}
	return 0;
}

void qfs_vec_free(struct qfs_vec *v)
{
	for (size_t i = 0; i < v->nchunk; i++)
		v->env->free(v->env->ctx, v->chunk[i]);
	if (v->chunk)
		v->env->free(v->env->ctx, v->chunk);
	v->chunk = NULL;
	v->nchunk = v->capchunk = 0;
}

/* ---- the hash map ---- */

static struct qfs_map_ent *slot_at(const struct qfs_map *m, size_t i)
{
	return qfs_vec_at(&m->tab, i);
}

static size_t map_slot(const struct qfs_map *m, uint64_t key)
{
	uint64_t h = key * 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 17) & (m->cap - 1);
}

void qfs_map_init(struct qfs_map *m, const struct qfs_env *env)
{
	m->env = env;
	qfs_vec_init(&m->tab, env, sizeof(struct qfs_map_ent));
	m->cap = 0;
	m->count = 0;
}

void qfs_map_free(struct qfs_map *m)
{
	qfs_vec_free(&m->tab);
	m->cap = 0;
	m->count = 0;
}

static struct qfs_map_ent *map_find(const struct qfs_map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = map_slot(m, key);; i = (i + 1) & (m->cap - 1)) {
		struct qfs_map_ent *e = slot_at(m, i);
		if (e->key == 0)
			return NULL;
		if (e->key == key + 1)
			return e;
	}
}

/* map_resize - move every entry into a table of ncap slots (a power of two). */
static int map_resize(struct qfs_map *m, size_t ncap)
{
	struct qfs_vec old = m->tab;
	size_t ocap = m->cap;
	struct qfs_vec t;
	qfs_vec_init(&t, m->env, sizeof(struct qfs_map_ent));
	int rc = qfs_vec_reserve(&t, ncap);
	if (rc) {
		qfs_vec_free(&t);
		return rc;
	}
	m->tab = t;
	m->cap = ncap;
	m->count = 0;
	for (size_t i = 0; i < ocap; i++) {
		struct qfs_map_ent *e = qfs_vec_at(&old, i);
		if (e->key)
			qfs_map_put(m, e->key - 1, e->val, e->aux);
	}
	qfs_vec_free(&old);
	return 0;
}

static int map_grow(struct qfs_map *m)
{
	return map_resize(m, m->cap ? m->cap * 2 : 64);
}

int qfs_map_put(struct qfs_map *m, uint64_t key, uint64_t val, uint32_t aux)
{
	struct qfs_map_ent *e = map_find(m, key);
	if (e) {
		e->val = val;
		e->aux = aux;
		return 0;
	}
	if ((m->count + 1) * 4 > m->cap * 3) {
		int rc = map_grow(m);
		if (rc)
			return rc;
	}
	size_t i = map_slot(m, key);
	while (slot_at(m, i)->key)
		i = (i + 1) & (m->cap - 1);
	struct qfs_map_ent *n = slot_at(m, i);
	n->key = key + 1;
	n->val = val;
	n->aux = aux;
	m->count++;
	return 0;
}

int qfs_map_reserve(struct qfs_map *m, size_t n)
{
	size_t ncap = m->cap ? m->cap : 64;
	while ((n + 1) * 4 > ncap * 3)
		ncap *= 2;
	return ncap == m->cap ? 0 : map_resize(m, ncap); /* one step: the old table and the new at once, once */
}

int qfs_map_get(const struct qfs_map *m, uint64_t key, uint64_t *val, uint32_t *aux)
{
	const struct qfs_map_ent *e = map_find(m, key);
	if (!e)
		return 0;
	if (val)
		*val = e->val;
	if (aux)
		*aux = e->aux;
	return 1;
}

void qfs_map_del(struct qfs_map *m, uint64_t key)
{
	struct qfs_map_ent *e = map_find(m, key);
	if (!e)
		return;
	size_t i = map_slot(m, key), mask = m->cap - 1;
	while (slot_at(m, i) != e)
		i = (i + 1) & mask;
	for (size_t j = (i + 1) & mask; slot_at(m, j)->key; j = (j + 1) & mask) {
		size_t home = map_slot(m, slot_at(m, j)->key - 1);
		/* move j back to i when i lies cyclically in [home, j) */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			*slot_at(m, i) = *slot_at(m, j);
			i = j;
		}
	}
	slot_at(m, i)->key = 0;
	m->count--;
}

int qfs_map_next(const struct qfs_map *m, size_t *pos, uint64_t *key, uint64_t *val,
		 uint32_t *aux)
{
	for (; *pos < m->cap; (*pos)++) {
		const struct qfs_map_ent *e = slot_at(m, *pos);
		if (e->key) {
			*key = e->key - 1;
			if (val)
				*val = e->val;
			if (aux)
				*aux = e->aux;
			(*pos)++;
			return 1;
		}
	}
	return 0;
}
