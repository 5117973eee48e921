build2/obj/src/cli/cmd_quantize.o: src/cli/cmd_quantize.c src/cli/cli.h \
 include/kolm/err.h src/cli/pick.h include/kolm/forecast.h \
 include/kolm/catalog.h include/kolm/commands.h include/kolm/local.h \
 include/kolm/model.h include/kolm/quality.h include/kolm/quantplan.h \
 include/kolm/quant.h include/kolm/quantize.h include/kolm/types.h \
 include/kolm/fp16.h
src/cli/cli.h:
include/kolm/err.h:
src/cli/pick.h:
include/kolm/forecast.h:
include/kolm/catalog.h:
include/kolm/commands.h:
include/kolm/local.h:
include/kolm/model.h:
include/kolm/quality.h:
include/kolm/quantplan.h:
include/kolm/quant.h:
include/kolm/quantize.h:
include/kolm/types.h:
include/kolm/fp16.h:
