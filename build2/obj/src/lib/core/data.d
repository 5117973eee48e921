build2/obj/src/lib/core/data.o: src/lib/core/data.c \
 src/lib/core/data_internal.h include/kolm/err.h include/kolm/util.h
src/lib/core/data_internal.h:
include/kolm/err.h:
include/kolm/util.h:
