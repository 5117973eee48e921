build2/obj/src/lib/engine/engine_pool.o: src/lib/engine/engine_pool.c \
 src/lib/engine/engine_pool_internal.h
src/lib/engine/engine_pool_internal.h:
