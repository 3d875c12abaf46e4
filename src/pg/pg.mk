# src/pg/pg.mk: wasyncio-pg, the PostgreSQL driver (native only), a library
# of its own over libpq so that libwasyncio does not depend on libpq.
#   build/native/libwasyncio-pg.{a,so}   make pg (and make, when libpq is here)
#   examples/db_pool (asyncpg twin)      built here, not by the examples rule
#   make test-pg                         tests/pg/run.sh on a throwaway cluster
#   make install                         + P/include/wasyncio_pg.h, the libraries,
#                                        P/lib/pkgconfig/wasyncio-pg.pc
# Included by the top Makefile after src/install.mk.

PG_SRC := $(sort $(wildcard src/pg/*.c))
PG_OBJ := $(patsubst src/%.c,$(B)/obj/%.o,$(PG_SRC))
PG_ASAN_OBJ := $(patsubst src/%.c,$(BA)/obj/%.o,$(PG_SRC))
PG_CFLAGS := $(shell pkg-config --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql) -Isrc/pg
PG_LIBS := $(shell pkg-config --libs libpq 2>/dev/null || echo -lpq)
PG_SONAME := libwasyncio-pg.so.$(WA_SOVERSION)
PG_TESTS := $(basename $(notdir $(wildcard tests/pg/test_*.c)))

.PHONY: pg test-pg install-pg
pg: $(B)/libwasyncio-pg.a $(B)/libwasyncio-pg.so $(B)/examples/db_pool

$(PG_OBJ) $(PG_ASAN_OBJ): BASE_CFLAGS += $(PG_CFLAGS)
$(B)/libwasyncio-pg.a: $(PG_OBJ)
	@mkdir -p $(@D); rm -f $@; ar rcs $@ $^
$(B)/libwasyncio-pg.so: $(PG_OBJ) $(B)/libwasyncio.so
	$(CC) -shared -Wl,-soname,$(PG_SONAME) -o $@ $(PG_OBJ) -L$(B) -lwasyncio $(PG_LIBS)
$(BA)/libwasyncio-pg.a: $(PG_ASAN_OBJ)
	@mkdir -p $(@D); rm -f $@; ar rcs $@ $^

$(B)/examples/db_pool: examples/db_pool.c $(B)/libwasyncio-pg.a $(B)/libwasyncio.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) -Isrc/pg $(DEPFLAGS) -MT $@ -MF $@.d $< -o $@ \
	  $(B)/libwasyncio-pg.a $(B)/libwasyncio.a $(PG_LIBS) $(NATIVE_LIBS)

$(B)/pg/%: tests/pg/%.c $(B)/libwasyncio-pg.a $(B)/libwasyncio.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) $(BASE_CFLAGS) $(PG_CFLAGS) $(DEPFLAGS) -MT $@ -MF $@.d -Itests $< -o $@ \
	  $(B)/libwasyncio-pg.a $(B)/libwasyncio.a $(PG_LIBS) $(NATIVE_LIBS)
$(BA)/pg/%: tests/pg/%.c $(BA)/libwasyncio-pg.a $(BA)/libwasyncio.a
	@mkdir -p $(@D)
	$(CC) $(ASAN_FLAGS) $(BASE_CFLAGS) $(PG_CFLAGS) $(DEPFLAGS) -MT $@ -MF $@.d -Itests $< -o $@ \
	  $(BA)/libwasyncio-pg.a $(BA)/libwasyncio.a $(PG_LIBS) $(NATIVE_LIBS)

# The driver's suite (and its ASan run) against a real, throwaway server.
# Its module graph has no circle, as the core's (test-native): the objects
# are built only here, since libpq is optional.
test-pg: $(addprefix $(B)/pg/,$(PG_TESTS)) $(addprefix $(BA)/pg/,$(PG_TESTS)) $(B)/examples/db_pool \
         $(B)/libwasyncio-pg.so
	@bash tests/check-exports.sh $(B)/libwasyncio-pg.so
	@python3 tests/module_cycles.py $(B)/obj pg
	@bash tests/pg/run.sh

install-pg: install-native $(B)/libwasyncio-pg.a $(B)/libwasyncio-pg.so
	install -d $(I)/include $(I)/lib/pkgconfig
	install -m 644 src/pg/wasyncio_pg.h $(I)/include/
	install -m 644 $(B)/libwasyncio-pg.a $(I)/lib/
	install -m 755 $(B)/libwasyncio-pg.so $(I)/lib/libwasyncio-pg.so.$(WA_VERSION)
	ln -sf libwasyncio-pg.so.$(WA_VERSION) $(I)/lib/$(PG_SONAME)
	ln -sf $(PG_SONAME) $(I)/lib/libwasyncio-pg.so
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(WA_VERSION)|' \
	  src/pg/wasyncio-pg.pc.in > $(I)/lib/pkgconfig/wasyncio-pg.pc
# Installed with the native target when libpq's headers are here.
HAVE_LIBPQ := $(shell test -f "$$(pg_config --includedir 2>/dev/null)/libpq-fe.h" && echo yes)
ifeq ($(HAVE_LIBPQ),yes)
all: pg
install: install-pg
INSTALL_LIBS += $(B)/libwasyncio-pg.a $(B)/libwasyncio-pg.so
endif
TEST_TARGETS_EXTRA += test-pg
BENCH_EXTRA_DEPS += $(B)/libwasyncio-pg.a
