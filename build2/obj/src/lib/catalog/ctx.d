build2/obj/src/lib/catalog/ctx.o: src/lib/catalog/ctx.c \
 src/lib/catalog/ctx_internal.h include/kolm/ctx.h include/kolm/catalog.h \
 include/kolm/err.h src/lib/catalog/catalog_internal.h \
 src/lib/core/data_internal.h include/kolm/model.h include/kolm/util.h
src/lib/catalog/ctx_internal.h:
include/kolm/ctx.h:
include/kolm/catalog.h:
include/kolm/err.h:
src/lib/catalog/catalog_internal.h:
src/lib/core/data_internal.h:
include/kolm/model.h:
include/kolm/util.h:
