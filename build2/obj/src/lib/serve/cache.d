build2/obj/src/lib/serve/cache.o: src/lib/serve/cache.c \
 src/lib/serve/cache_internal.h
src/lib/serve/cache_internal.h:
