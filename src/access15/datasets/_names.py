"""Chinese place and street names (with pinyin) for the synthetic sample county."""

from __future__ import annotations

import numpy as np


def words(text: str) -> list[str]:
    """Split ``text`` at white space (keeps long name tables compact)."""
    return text.split()


def pairs(text: str) -> list[tuple[str, str]]:
    """Parse ``"张 Zhang 王 Wang ..."`` into (character, pinyin) pairs."""
    items = text.split()
    return list(zip(items[::2], items[1::2], strict=True))


_SURNAMES = pairs(
    "张 Zhang 王 Wang 李 Li 刘 Liu 陈 Chen 杨 Yang 黄 Huang 赵 Zhao 周 Zhou 吴 Wu 罗 Luo 谢 Xie "
    "唐 Tang 邓 Deng 曾 Zeng 彭 Peng 蒋 Jiang 廖 Liao 贺 He 邹 Zou 龚 Gong 易 Yi 肖 Xiao 文 Wen"
)
_FIRST = pairs(
    "青 Qing 石 Shi 白 Bai 龙 Long 凤 Feng 金 Jin 新 Xin 长 Chang 大 Da 小 Xiao 东 Dong 西 Xi "
    "南 Nan 北 Bei 上 Shang 下 Xia 高 Gao 花 Hua 桃 Tao 枫 Feng 松 Song 竹 Zhu 茶 Cha 梅 Mei "
    "柳 Liu 红 Hong 杉 Shan 荷 He 马 Ma 鹤 He"
)
_SECOND = pairs(  # all start with a consonant, so the pinyin needs no apostrophe
    "山 shan 田 tian 塘 tang 桥 qiao 坪 ping 冲 chong 湾 wan 溪 xi 岭 ling 坡 po 江 jiang "
    "水 shui 林 lin 源 yuan 口 kou 岗 gang 洲 zhou 铺 pu 坝 ba 湖 hu 垅 long 峰 feng 市 shi 潭 tan"
)
SEAT_STREETS = words(
    "建设路 新华路 中山路 和平路 胜利路 文化路 学府路 迎宾大道 工业路 花园路 健康路 五一路 光明路 "
    "朝阳路 东风路 青年路 书院路 桂花路 芙蓉路 兴隆街 府前路 长青路 南门路 北正街 环城路 沿河路 "
    "向阳路 新民路 育才路 金山路 银杏路 紫薇路 丰收路 团结路 建国路 红旗路 民主路 振兴路"
)
TOWN_STREETS = words("新街 老街 横街 后街 前街 东街 西街 南街 北街 河街 中街 上街 下街")


class Names:
    """Deterministic, unique Chinese place names with pinyin transliterations.

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of randomness.
    """

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng
        self._used: set[str] = {"城关", "安澜"}

    def _base(self, surname_share: float) -> tuple[str, str]:
        for _ in range(10_000):
            if self._rng.random() < surname_share:
                zh, py = _SURNAMES[int(self._rng.integers(len(_SURNAMES)))]
                zh, en = zh + "家", py + "jia"
            else:
                a = _FIRST[int(self._rng.integers(len(_FIRST)))]
                b = _SECOND[int(self._rng.integers(len(_SECOND)))]
                zh, en = a[0] + b[0], a[1] + b[1]
            if zh not in self._used:
                self._used.add(zh)
                return zh, en
        raise RuntimeError("ran out of place names")

    def village(self) -> tuple[str, str]:
        """Return a new village name, e.g. (``"张家村"``, ``"Zhangjia Village"``)."""
        zh, en = self._base(0.4)
        return zh + "村", en + " Village"

    def township(self) -> tuple[str, str]:
        """Return a new township base name, e.g. (``"青石"``, ``"Qingshi"``)."""
        return self._base(0.0)
