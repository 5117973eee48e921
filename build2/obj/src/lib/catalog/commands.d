build2/obj/src/lib/catalog/commands.o: src/lib/catalog/commands.c \
 include/kolm/commands.h include/kolm/err.h include/kolm/catalog.h \
 include/kolm/ctx.h include/kolm/quantplan.h include/kolm/types.h \
 include/kolm/fp16.h include/kolm/util.h src/lib/core/json_internal.h
include/kolm/commands.h:
include/kolm/err.h:
include/kolm/catalog.h:
include/kolm/ctx.h:
include/kolm/quantplan.h:
include/kolm/types.h:
include/kolm/fp16.h:
include/kolm/util.h:
src/lib/core/json_internal.h:
