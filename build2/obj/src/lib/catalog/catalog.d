build2/obj/src/lib/catalog/catalog.o: src/lib/catalog/catalog.c \
 src/lib/catalog/catalog_internal.h include/kolm/catalog.h \
 include/kolm/err.h src/lib/core/data_internal.h \
 src/lib/core/json_internal.h include/kolm/util.h
src/lib/catalog/catalog_internal.h:
include/kolm/catalog.h:
include/kolm/err.h:
src/lib/core/data_internal.h:
src/lib/core/json_internal.h:
include/kolm/util.h:
