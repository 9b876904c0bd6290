"""The seed's case: Tingfeng Hui's author page, rebuilt as two small collections.

The "Fixing paper assignments" preview that started this project
(``/work/shared/docs/seed-author-page-preview.txt``) shows the unverified author
page of Tingfeng Hui with three papers. Their collections (``2025.acl`` and
``2023.findings``) are among the largest and are therefore missing from the shared
dataset, so this module synthesizes them: only the volumes and papers of the
seed's case, no abstracts, in the acl-anthology library's canonical XML format
(a library load + save reproduces the bytes; ``tests/test_sample.py`` checks it).

The paper numbers, page ranges, PDF hashes, DOIs and affiliations are invented but
plausible (modelled on ``2024.acl.xml`` and ``2023.emnlp.xml`` of the dataset):

* ``2025.acl-long.5``  HFT: Half Fine-Tuning for Large Language Models
* ``2025.acl-long.12`` Upcycling Instruction Tuning from Dense to Mixture-of-Experts
  via Parameter Merging
* ``2023.findings-emnlp.3`` DemoNSF: A Multi-task Demonstration-based Generative
  Framework for Noisy Slot Filling Task

Tingfeng Hui has no entry in people.json, so all three papers land on
``tingfeng-hui/unverified``. His co-authors resolve as in the full data: Hua Wu
carries an explicit id and ORCID on the HFT paper (``hua-wu``, as on her
2024.emnlp papers) and is name-matched to ``hua-wu`` on the Upcycling paper;
Weiran Xu is name-matched to ``weiran-xu``; Guanting Dong, Keqing He, Zhenyu Zhang,
Shuohuan Wang, Yu Sun and others stay on unverified pages.

Used by ``scripts/make_sample.py`` (the bundled sample) and by the test fixtures
that add the seed's case to a copy of the full dataset.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

SEED_PAGE = "tingfeng-hui/unverified"
"""The person id (library notation) of the seed's author page."""

SEED_PAPERS: dict[str, str] = {
    "2025.acl-long.5": "HFT: Half Fine-Tuning for Large Language Models",
    "2025.acl-long.12": (
        "Upcycling Instruction Tuning from Dense to Mixture-of-Experts via Parameter Merging"
    ),
    "2023.findings-emnlp.3": (
        "DemoNSF: A Multi-task Demonstration-based Generative Framework for Noisy Slot Filling Task"
    ),
}
"""Anthology ID -> plain title of the three papers on the seed's author page."""

_BUPT = "Beijing University of Posts and Telecommunications"
_BAIDU = "Baidu Inc."

_ACL_2025 = f"""<?xml version='1.0' encoding='UTF-8'?>
<collection id="2025.acl">
  <volume id="long" type="proceedings" ingest-date="2025-07-20">
    <!-- https://aclanthology.org/2025.acl-long/ -->
    <meta>
      <booktitle>Proceedings of the 63rd Annual Meeting of the Association for Computational Linguistics (Volume 1: Long Papers)</booktitle>
      <editor><first>Wanxiang</first><last>Che</last></editor>
      <editor><first>Joyce</first><last>Nabende</last></editor>
      <editor><first>Ekaterina</first><last>Shutova</last></editor>
      <editor><first>Mohammad Taher</first><last>Pilehvar</last></editor>
      <publisher>Association for Computational Linguistics</publisher>
      <address>Vienna, Austria</address>
      <doi>10.18653/v1/2025.acl-long</doi>
      <month>July</month>
      <year>2025</year>
      <venue>acl</venue>
    </meta>
    <frontmatter>
      <!-- https://aclanthology.org/2025.acl-long.0/ -->
      <pdf hash="3c1f9a7e"/>
      <bibkey>acl-2025-long</bibkey>
    </frontmatter>
    <paper id="5">
      <!-- https://aclanthology.org/2025.acl-long.5/ -->
      <title><fixed-case>HFT</fixed-case>: Half Fine-Tuning for Large Language Models</title>
      <author><first>Tingfeng</first><last>Hui</last><affiliation>{_BUPT}</affiliation></author>
      <author><first>Zhenyu</first><last>Zhang</last><affiliation>{_BAIDU}</affiliation></author>
      <author><first>Shuohuan</first><last>Wang</last><affiliation>{_BAIDU}</affiliation></author>
      <author><first>Weiran</first><last>Xu</last><affiliation>{_BUPT}</affiliation></author>
      <author><first>Yu</first><last>Sun</last><affiliation>{_BAIDU}</affiliation></author>
      <author id="hua-wu" orcid="0000-0001-8254-1561"><first>Hua</first><last>Wu</last><affiliation>{_BAIDU}</affiliation></author>
      <pages>74-91</pages>
      <pdf hash="a84d02c5"/>
      <doi>10.18653/v1/2025.acl-long.5</doi>
      <bibkey>hui-etal-2025-hft</bibkey>
    </paper>
    <paper id="12">
      <!-- https://aclanthology.org/2025.acl-long.12/ -->
      <title>Upcycling Instruction Tuning from Dense to Mixture-of-Experts via Parameter Merging</title>
      <author><first>Tingfeng</first><last>Hui</last><affiliation>{_BUPT}</affiliation></author>
      <author><first>Zhenyu</first><last>Zhang</last><affiliation>{_BAIDU}</affiliation></author>
      <author><first>Shuohuan</first><last>Wang</last><affiliation>{_BAIDU}</affiliation></author>
      <author><first>Yu</first><last>Sun</last><affiliation>{_BAIDU}</affiliation></author>
      <author><first>Hua</first><last>Wu</last><affiliation>{_BAIDU}</affiliation></author>
      <author><first>Sen</first><last>Su</last><affiliation>{_BUPT}</affiliation></author>
      <pages>208-224</pages>
      <pdf hash="5e07b6d9"/>
      <doi>10.18653/v1/2025.acl-long.12</doi>
      <bibkey>hui-etal-2025-upcycling</bibkey>
    </paper>
  </volume>
</collection>
"""  # noqa: E501

_FINDINGS_2023 = f"""<?xml version='1.0' encoding='UTF-8'?>
<collection id="2023.findings">
  <volume id="emnlp" type="proceedings" ingest-date="2023-12-02">
    <!-- https://aclanthology.org/2023.findings-emnlp/ -->
    <meta>
      <booktitle>Findings of the Association for Computational Linguistics: EMNLP 2023</booktitle>
      <editor><first>Houda</first><last>Bouamor</last></editor>
      <editor><first>Juan</first><last>Pino</last></editor>
      <editor><first>Kalika</first><last>Bali</last></editor>
      <publisher>Association for Computational Linguistics</publisher>
      <address>Singapore</address>
      <month>December</month>
      <year>2023</year>
      <venue>findings</venue>
    </meta>
    <frontmatter>
      <!-- https://aclanthology.org/2023.findings-emnlp.0/ -->
      <pdf hash="e2b7c410"/>
      <bibkey>findings-2023-emnlp</bibkey>
    </frontmatter>
    <paper id="3">
      <!-- https://aclanthology.org/2023.findings-emnlp.3/ -->
      <title><fixed-case>D</fixed-case>emo<fixed-case>NSF</fixed-case>: A Multi-task Demonstration-based Generative Framework for Noisy Slot Filling Task</title>
      <author><first>Guanting</first><last>Dong</last><affiliation>{_BUPT}</affiliation></author>
      <author><first>Tingfeng</first><last>Hui</last><affiliation>{_BUPT}</affiliation></author>
      <author><first>Zhuoma</first><last>GongQue</last><affiliation>{_BUPT}</affiliation></author>
      <author><first>Jinxu</first><last>Zhao</last><affiliation>{_BUPT}</affiliation></author>
      <author><first>Daichi</first><last>Guo</last><affiliation>{_BUPT}</affiliation></author>
      <author><first>Gang</first><last>Zhao</last><affiliation>{_BUPT}</affiliation></author>
      <author><first>Keqing</first><last>He</last><affiliation>Meituan</affiliation></author>
      <author><first>Weiran</first><last>Xu</last><affiliation>{_BUPT}</affiliation></author>
      <pages>22-34</pages>
      <pdf hash="9f3a61d2"/>
      <doi>10.18653/v1/2023.findings-emnlp.3</doi>
      <bibkey>dong-etal-2023-demonsf</bibkey>
    </paper>
  </volume>
</collection>
"""  # noqa: E501

SEED_COLLECTIONS: dict[str, str] = {"2025.acl": _ACL_2025, "2023.findings": _FINDINGS_2023}
"""Collection id -> the canonical XML text of the synthesized collection."""


def seed_collection_bytes(collection_id: str) -> bytes:
    """The exact file content of one synthesized collection."""
    return SEED_COLLECTIONS[collection_id].encode("utf-8")


def add_seed_case(data_dir: Path) -> list[Path]:
    """Write the seed's collections into ``data_dir/xml/`` and return their paths.

    ``data_dir`` is a data directory (the one holding ``xml/`` and ``json/``). A file
    that already holds exactly the seed's bytes is left alone; any other existing
    file of that name is real data and is never overwritten (FileExistsError).
    Files are written to a temporary name and renamed into place, so this is safe
    on a hard-linked copy of a shared dataset.
    """
    xml_dir = Path(data_dir) / "xml"
    written = []
    for collection_id in SEED_COLLECTIONS:
        target = xml_dir / f"{collection_id}.xml"
        content = seed_collection_bytes(collection_id)
        if target.exists():
            if target.read_bytes() != content:
                raise FileExistsError(f"{target} exists and is not the seed's collection")
        else:
            fd, tmp = tempfile.mkstemp(dir=xml_dir, prefix=f".{collection_id}.", suffix=".tmp")
            try:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(content)
                os.chmod(tmp, 0o644)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        written.append(target)
    return written
