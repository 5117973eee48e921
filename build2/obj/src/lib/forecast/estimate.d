build2/obj/src/lib/forecast/estimate.o: src/lib/forecast/estimate.c \
 include/kolm/estimate.h include/kolm/err.h src/lib/core/json_internal.h \
 include/kolm/catalog.h include/kolm/ctx.h include/kolm/model.h \
 include/kolm/quantplan.h include/kolm/types.h include/kolm/fp16.h \
 include/kolm/util.h
include/kolm/estimate.h:
include/kolm/err.h:
src/lib/core/json_internal.h:
include/kolm/catalog.h:
include/kolm/ctx.h:
include/kolm/model.h:
include/kolm/quantplan.h:
include/kolm/types.h:
include/kolm/fp16.h:
include/kolm/util.h:
