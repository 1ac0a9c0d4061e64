/* libs: the table of libpq's and hiredis's functions, their loading, and
 * the note that declares them to packaging tools.  See libs.h. */
#include "libs.h"

#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#include <stdio.h>

/* The sonames this program was built against (Makefile: LOAD_PQ_SONAME,
 * LOAD_HIREDIS_SONAME): a library of another ABI is never picked up. */
#ifndef LOAD_PQ_SONAME
#define LOAD_PQ_SONAME "libpq.so.5"
#endif
#ifndef LOAD_HIREDIS_SONAME
#define LOAD_HIREDIS_SONAME "libhiredis.so.0.14"
#endif

/* The ELF dlopen metadata (https://systemd.io/ELF_DLOPEN_METADATA/): a
 * note of type 0x407c0c0a, owner "FDO", whose text is a JSON array of
 * the libraries dlopen()ed.  `readelf -n bank-callback` shows it, and
 * packaging tools turn it into dependencies as they do ldd's list. */
#define DLOPEN_JSON \
	"[{\"feature\":\"postgresql\",\"description\":\"the database every callback is stored in\"," \
	"\"priority\":\"required\",\"soname\":[\"" LOAD_PQ_SONAME "\"]}," \
	"{\"feature\":\"redis\",\"description\":\"the cache of customers the platform reads\"," \
	"\"priority\":\"required\",\"soname\":[\"" LOAD_HIREDIS_SONAME "\"]}]"

__attribute__((used, section(".note.dlopen"), aligned(4)))
static const struct {
	uint32_t namesz, descsz, type;
	char name[4];
	char desc[(sizeof DLOPEN_JSON + 3) / 4 * 4];   /* 0-padded to 4 bytes */
} dlopen_note = {
	.namesz = sizeof "FDO",
	.descsz = sizeof DLOPEN_JSON,
	.type = 0x407c0c0a,
	.name = "FDO",
	.desc = DLOPEN_JSON,
};

struct libs_pq libpq;
struct libs_redis libhiredis;

static void *pq_handle, *redis_handle;

/* dlsym's result is a data pointer; POSIX guarantees it converts to
 * the function's.  The table is filled from a copy only once every name
 * was found. */
#define RESOLVE(name) \
	if (!(t.name = (__typeof__(t.name))dlsym(h, #name))) missing = #name;

static const char *resolve_pq(void *h)
{
	struct libs_pq t = { 0 };
	const char *missing = NULL;

	LIBS_PQ(RESOLVE)
	if (!missing)
		libpq = t;
	return missing;
}

static const char *resolve_redis(void *h)
{
	struct libs_redis t = { 0 };
	const char *missing = NULL;

	LIBS_REDIS(RESOLVE)
	if (!missing)
		libhiredis = t;
	return missing;
}

/* RTLD_LAZY, as a normal link would bind: RTLD_NOW would resolve every
 * function of libpq's twenty dependencies, of which a request calls a
 * handful.  Libraries built with BIND_NOW (libpq itself) still are. */
static int load(void **h, const char *soname, const char *(*resolve)(void *),
		char *err, size_t errlen)
{
	void *opened;
	const char *missing;

	if (*h)
		return 0;
	opened = dlopen(soname, RTLD_LAZY | RTLD_LOCAL);
	if (!opened) {
		snprintf(err, errlen, "cannot load %s: %s", soname, dlerror());
		return -1;
	}
	missing = resolve(opened);
	if (missing) {
		snprintf(err, errlen, "%s has no %s", soname, missing);
		dlclose(opened);
		return -1;
	}
	*h = opened;
	return 0;
}

int libs_load_pq(char *err, size_t errlen)
{
	return load(&pq_handle, LOAD_PQ_SONAME, resolve_pq, err, errlen);
}

int libs_load_redis(char *err, size_t errlen)
{
	return load(&redis_handle, LOAD_HIREDIS_SONAME, resolve_redis, err, errlen);
}

/* The file h was loaded from, or its soname. */
static const char *loaded_from(void *h, const char *soname)
{
	struct link_map *lm = NULL;

	if (dlinfo(h, RTLD_DI_LINKMAP, &lm) == 0 && lm && lm->l_name && *lm->l_name)
		return lm->l_name;
	return soname;
}

void libs_describe_pq(char *out, size_t size)
{
	char err[512];
	int v;

	if (libs_load_pq(err, sizeof err)) {
		snprintf(out, size, "libpq: %s", err);
		return;
	}
	/* 150010 is 15.10; before 10, 90624 was 9.6.24 */
	v = libpq.PQlibVersion();
	if (v >= 100000)
		snprintf(out, size, "libpq %d.%d (%s)", v / 10000, v % 10000,
			 loaded_from(pq_handle, LOAD_PQ_SONAME));
	else
		snprintf(out, size, "libpq %d.%d.%d (%s)", v / 10000, v / 100 % 100,
			 v % 100, loaded_from(pq_handle, LOAD_PQ_SONAME));
}

void libs_describe_redis(char *out, size_t size)
{
	char err[512];

	if (libs_load_redis(err, sizeof err)) {
		snprintf(out, size, "hiredis: %s", err);
		return;
	}
	/* hiredis has no run-time version: its ABI is the soname's */
	snprintf(out, size, "hiredis (%s; built with %d.%d.%d)",
		 loaded_from(redis_handle, LOAD_HIREDIS_SONAME), HIREDIS_MAJOR,
		 HIREDIS_MINOR, HIREDIS_PATCH);
}
