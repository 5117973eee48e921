build2/obj/src/lib/catalog/quality.o: src/lib/catalog/quality.c \
 include/kolm/quality.h src/lib/core/json_internal.h \
 include/kolm/catalog.h include/kolm/err.h include/kolm/ctx.h
include/kolm/quality.h:
src/lib/core/json_internal.h:
include/kolm/catalog.h:
include/kolm/err.h:
include/kolm/ctx.h:
