build2/obj/src/lib/catalog/local.o: src/lib/catalog/local.c \
 include/kolm/local.h include/kolm/err.h include/kolm/catalog.h \
 include/kolm/ctx.h include/kolm/util.h
include/kolm/local.h:
include/kolm/err.h:
include/kolm/catalog.h:
include/kolm/ctx.h:
include/kolm/util.h:
