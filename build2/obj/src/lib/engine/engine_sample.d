build2/obj/src/lib/engine/engine_sample.o: src/lib/engine/engine_sample.c \
 include/kolm/engine.h include/kolm/err.h
include/kolm/engine.h:
include/kolm/err.h:
