/*
 * map.c - a small open-addressing hash map from u64 keys to (u64, u32) values,
 * memory from the environment's allocator. Linear probing, backward-shift delete.
 */
#include "qfs_internal.h"

static size_t map_slot(const struct qfs_map *m, uint64_t key)
{
	uint64_t h = key * 0x9E3779B97F4A7C15ull;
	return (size_t)(h >> 17) & (m->cap - 1);
}

void qfs_map_init(struct qfs_map *m, const struct qfs_env *env)
{
	m->env = env;
	m->tab = NULL;
	m->cap = 0;
	m->count = 0;
}

void qfs_map_free(struct qfs_map *m)
{
	if (m->tab)
		m->env->free(m->env->ctx, m->tab);
	m->tab = NULL;
	m->cap = 0;
	m->count = 0;
}

static struct qfs_map_ent *map_find(const struct qfs_map *m, uint64_t key)
{
	if (!m->cap)
		return NULL;
	for (size_t i = map_slot(m, key);; i = (i + 1) & (m->cap - 1)) {
		if (m->tab[i].key == 0)
			return NULL;
		if (m->tab[i].key == key + 1)
			return &m->tab[i];
	}
}

static int map_grow(struct qfs_map *m)
{
	size_t ncap = m->cap ? m->cap * 2 : 64;
	struct qfs_map_ent *old = m->tab;
	size_t ocap = m->cap;
	struct qfs_map_ent *t = m->env->alloc(m->env->ctx, ncap * sizeof(*t));
	if (!t)
		return QFS_ENOMEM;
	for (size_t i = 0; i < ncap; i++)
		t[i].key = 0;
	m->tab = t;
	m->cap = ncap;
	m->count = 0;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].key)
			qfs_map_put(m, old[i].key - 1, old[i].val, old[i].aux);
	if (old)
		m->env->free(m->env->ctx, old);
	return 0;
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
	while (m->tab[i].key)
		i = (i + 1) & (m->cap - 1);
	m->tab[i].key = key + 1;
	m->tab[i].val = val;
	m->tab[i].aux = aux;
	m->count++;
	return 0;
}

int qfs_map_reserve(struct qfs_map *m, size_t n)
{
	while ((n + 1) * 4 > m->cap * 3) {
		int rc = map_grow(m);
		if (rc)
			return rc;
	}
	return 0;
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
	size_t i = (size_t)(e - m->tab), mask = m->cap - 1;
	for (size_t j = (i + 1) & mask; m->tab[j].key; j = (j + 1) & mask) {
		size_t home = map_slot(m, m->tab[j].key - 1);
		/* move j back to i when i lies cyclically in [home, j) */
		if (((j - home) & mask) >= ((j - i) & mask)) {
			m->tab[i] = m->tab[j];
			i = j;
		}
	}
	m->tab[i].key = 0;
	m->count--;
}

int qfs_map_next(const struct qfs_map *m, size_t *pos, uint64_t *key, uint64_t *val,
		 uint32_t *aux)
{
	for (; *pos < m->cap; (*pos)++) {
		const struct qfs_map_ent *e = &m->tab[*pos];
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
