"""The promo retrospective's view (:class:`PromoView`): ``view`` (tables, title, appendix,
workbook), ``text`` (sentences from catalog templates) and ``charts``."""
from csops_lib.render.promo.view import PromoView, load

__all__ = ["PromoView", "load"]
