build2/obj/src/lib/engine/bench.o: src/lib/engine/bench.c \
 include/kolm/bench.h include/kolm/err.h include/kolm/util.h \
 include/kolm/engine.h include/kolm/types.h include/kolm/fp16.h
include/kolm/bench.h:
include/kolm/err.h:
include/kolm/util.h:
include/kolm/engine.h:
include/kolm/types.h:
include/kolm/fp16.h:
