"""Curated name tables: common given names, surnames and their local-script spellings, per region.

Hand-written rather than machine-transliterated so that the simulated world does not share the
product's transliteration bugs: each local form is how the name is commonly written in that script.
Entries are `"Latin|Local"`. A region says which script its people write, which states they live
in, and how their names are built (`style`):

- `north`: given [middle] surname; women often `Devi` instead of a surname.
- `father_middle`: given, father's given name, surname (Maharashtra, Gujarat).
- `sikh`: given + `Singh`/`Kaur` [+ clan surname].
- `initial`: father's-name initial + given name, no surname (Tamil Nadu).
- `family_first`: family-name initial + given [+ caste surname] (Andhra Pradesh, Telangana).
- `muslim`: [Mohammed/Abdul] given + surname; women `Begum`/`Khatoon` or a surname.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    key: str
    script: str
    states: tuple[str, ...]
    style: str
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    # Names used for fathers in `initial`/`family_first` styles (their initial leads the name).
    elders: tuple[str, ...] = ()
    weight: int = 1


def _t(text: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in text.split(",") if item.strip())


REGIONS: tuple[Region, ...] = (
    Region(
        key="hindi",
        script="Devanagari",
        states=("UP", "BR", "MP", "RJ", "DL", "HR"),
        style="north",
        male=_t(
            "Ram|राम, Rajesh|राजेश, Suresh|सुरेश, Ramesh|रमेश, Rakesh|राकेश, Sunil|सुनील, "
            "Anil|अनिल, Vijay|विजय, Sanjay|संजय, Manoj|मनोज, Amit|अमित, Pankaj|पंकज, "
            "Deepak|दीपक, Ravi|रवि, Ashok|अशोक, Rajendra|राजेन्द्र, Mahesh|महेश, Dinesh|दिनेश, "
            "Ram Prakash|राम प्रकाश, Shyam|श्याम, Mukesh|मुकेश, Santosh|संतोष"
        ),
        female=_t(
            "Sunita|सुनीता, Anita|अनीता, Geeta|गीता, Pooja|पूजा, Priya|प्रिया, Rekha|रेखा, "
            "Kavita|कविता, Savita|सविता, Neha|नेहा, Laxmi|लक्ष्मी, Suman|सुमन, Meena|मीना, "
            "Sita|सीता, Radha|राधा, Usha|उषा, Kiran|किरण"
        ),
        surnames=_t(
            "Sharma|शर्मा, Verma|वर्मा, Yadav|यादव, Gupta|गुप्ता, Kumar|कुमार, Mishra|मिश्रा, "
            "Tiwari|तिवारी, Pandey|पाण्डेय, Chauhan|चौहान, Prasad|प्रसाद, "
            "Srivastava|श्रीवास्तव, Singh|सिंह, Chaudhary|चौधरी, Jha|झा"
        ),
        weight=6,
    ),
    Region(
        key="marathi",
        script="Devanagari",
        states=("MH",),
        style="father_middle",
        male=_t(
            "Rajendra|राजेंद्र, Santosh|संतोष, Sachin|सचिन, Ganesh|गणेश, Prakash|प्रकाश, "
            "Vishal|विशाल, Sandeep|संदीप, Nitin|नितीन, Rahul|राहुल, Dattatray|दत्तात्रय, "
            "Shankar|शंकर, Vitthal|विठ्ठल, Sunil|सुनील, Balasaheb|बाळासाहेब"
        ),
        female=_t(
            "Manisha|मनीषा, Vaishali|वैशाली, Swati|स्वाती, Ashwini|अश्विनी, Sunita|सुनीता, "
            "Sangita|संगीता, Jyoti|ज्योती, Rupali|रुपाली"
        ),
        surnames=_t(
            "Patil|पाटील, Pawar|पवार, Jadhav|जाधव, Shinde|शिंदे, Deshmukh|देशमुख, "
            "Kulkarni|कुलकर्णी, Joshi|जोशी, More|मोरे, Gaikwad|गायकवाड, Kale|काळे"
        ),
        weight=3,
    ),
    Region(
        key="bengali",
        script="Bengali",
        states=("WB",),
        style="north",
        male=_t(
            "Subhas|সুভাষ, Amit|অমিত, Sourav|সৌরভ, Debashis|দেবাশিস, Partha|পার্থ, "
            "Arijit|অরিজিৎ, Tapas|তাপস, Biswajit|বিশ্বজিৎ, Prosenjit|প্রসেনজিৎ, Ratan|রতন, "
            "Sanjib|সঞ্জীব, Gopal|গোপাল"
        ),
        female=_t(
            "Mousumi|মৌসুমী, Rina|রিনা, Sumana|সুমনা, Payel|পায়েল, Soma|সোমা, Mitali|মিতালি, "
            "Anjana|অঞ্জনা, Rupa|রূপা"
        ),
        surnames=_t(
            "Banerjee|ব্যানার্জী, Chatterjee|চ্যাটার্জী, Mukherjee|মুখার্জী, Das|দাস, Ghosh|ঘোষ, "
            "Bose|বসু, Roy|রায়, Sen|সেন, Mondal|মণ্ডল, Dutta|দত্ত"
        ),
        weight=3,
    ),
    Region(
        key="punjabi",
        script="Gurmukhi",
        states=("PB", "HR", "DL"),
        style="sikh",
        male=_t(
            "Gurpreet|ਗੁਰਪ੍ਰੀਤ, Harpreet|ਹਰਪ੍ਰੀਤ, Jaspreet|ਜਸਪ੍ਰੀਤ, Manpreet|ਮਨਪ੍ਰੀਤ, "
            "Sukhwinder|ਸੁਖਵਿੰਦਰ, Baljit|ਬਲਜੀਤ, Kuldeep|ਕੁਲਦੀਪ, Harjinder|ਹਰਜਿੰਦਰ, "
            "Amarjit|ਅਮਰਜੀਤ, Paramjit|ਪਰਮਜੀਤ, Navneet|ਨਵਨੀਤ"
        ),
        female=_t(
            "Gurpreet|ਗੁਰਪ੍ਰੀਤ, Harpreet|ਹਰਪ੍ਰੀਤ, Jaspreet|ਜਸਪ੍ਰੀਤ, Manpreet|ਮਨਪ੍ਰੀਤ, "
            "Simran|ਸਿਮਰਨ, Navneet|ਨਵਨੀਤ, Rajwinder|ਰਾਜਵਿੰਦਰ, Amandeep|ਅਮਨਦੀਪ"
        ),
        surnames=_t("Sandhu|ਸੰਧੂ, Gill|ਗਿੱਲ, Dhillon|ਢਿੱਲੋਂ, Sidhu|ਸਿੱਧੂ, Grewal|ਗਰੇਵਾਲ, Brar|ਬਰਾੜ"),
        weight=2,
    ),
    Region(
        key="gujarati",
        script="Gujarati",
        states=("GJ",),
        style="father_middle",
        male=_t(
            "Rajesh|રાજેશ, Hitesh|હિતેશ, Jignesh|જીગ્નેશ, Mehul|મેહુલ, Bharat|ભરત, "
            "Dilip|દિલીપ, Kiran|કિરણ, Nilesh|નિલેશ, Ramesh|રમેશ, Prakash|પ્રકાશ"
        ),
        female=_t("Hetal|હેતલ, Nisha|નિશા, Bhavna|ભાવના, Jyoti|જ્યોતિ, Komal|કોમલ, Daksha|દક્ષા"),
        surnames=_t(
            "Patel|પટેલ, Shah|શાહ, Mehta|મહેતા, Desai|દેસાઈ, Parmar|પરમાર, "
            "Chauhan|ચૌહાણ, Solanki|સોલંકી"
        ),
        weight=2,
    ),
    Region(
        key="odia",
        script="Odia",
        states=("OD",),
        style="north",
        male=_t(
            "Bijay|ବିଜୟ, Prasanta|ପ୍ରଶାନ୍ତ, Sanjay|ସଞ୍ଜୟ, Debasis|ଦେବାଶିଷ, Manas|ମାନସ, "
            "Pradeep|ପ୍ରଦୀପ, Sarat|ଶରତ, Ramesh|ରମେଶ"
        ),
        female=_t("Sasmita|ସସ୍ମିତା, Mamata|ମମତା, Pramila|ପ୍ରମିଳା, Sabita|ସବିତା, Gitanjali|ଗୀତାଞ୍ଜଳି"),
        surnames=_t(
            "Mohanty|ମହାନ୍ତି, Das|ଦାସ, Sahoo|ସାହୁ, Panda|ପଣ୍ଡା, Behera|ବେହେରା, Nayak|ନାୟକ, "
            "Mishra|ମିଶ୍ର, Pradhan|ପ୍ରଧାନ"
        ),
        weight=1,
    ),
    Region(
        key="tamil",
        script="Tamil",
        states=("TN",),
        style="initial",
        male=_t(
            "Murugan|முருகன், Senthil|செந்தில், Karthik|கார்த்திக், Saravanan|சரவணன், "
            "Ramesh|ரமேஷ், Selvam|செல்வம், Arun|அருண், Vijay|விஜய், Ganesan|கணேசன், "
            "Rajkumar|ராஜ்குமார், Balaji|பாலாஜி"
        ),
        female=_t(
            "Lakshmi|லட்சுமி, Priya|பிரியா, Kavitha|கவிதா, Meena|மீனா, Selvi|செல்வி, "
            "Revathi|ரேவதி, Malathi|மாலதி"
        ),
        surnames=(),
        elders=_t(
            "Kandasamy|கந்தசாமி, Palanisamy|பழனிசாமி, Ramasamy|ராமசாமி, "
            "Subramanian|சுப்பிரமணியன், Krishnan|கிருஷ்ணன், Murugesan|முருகேசன், "
            "Velusamy|வேலுசாமி"
        ),
        weight=3,
    ),
    Region(
        key="telugu",
        script="Telugu",
        states=("AP", "TS"),
        style="family_first",
        male=_t(
            "Srinivas|శ్రీనివాస్, Venkatesh|వెంకటేష్, Ramesh|రమేష్, Naresh|నరేష్, "
            "Suresh|సురేష్, Ravi|రవి, Prasad|ప్రసాద్, Raju|రాజు, Krishna|కృష్ణ"
        ),
        female=_t("Lakshmi|లక్ష్మి, Padma|పద్మ, Swathi|స్వాతి, Sravani|శ్రావణి, Anusha|అనూష, Sujatha|సుజాత"),
        surnames=_t("Reddy|రెడ్డి, Naidu|నాయుడు, Rao|రావు, Chowdary|చౌదరి"),
        elders=_t(
            "Kovvuri|కొవ్వూరి, Gundu|గుండు, Bandi|బండి, Pasupuleti|పసుపులేటి, Yerra|ఎర్ర, Vemula|వేముల"
        ),
        weight=3,
    ),
    Region(
        key="kannada",
        script="Kannada",
        states=("KA",),
        style="north",
        male=_t(
            "Manjunath|ಮಂಜುನಾಥ್, Raghavendra|ರಾಘವೇಂದ್ರ, Nagaraj|ನಾಗರಾಜ್, Mahesh|ಮಹೇಶ್, "
            "Basavaraj|ಬಸವರಾಜ್, Shivakumar|ಶಿವಕುಮಾರ್, Prakash|ಪ್ರಕಾಶ್"
        ),
        female=_t("Lakshmi|ಲಕ್ಷ್ಮಿ, Kavya|ಕಾವ್ಯ, Shilpa|ಶಿಲ್ಪಾ, Savitha|ಸವಿತಾ, Rekha|ರೇಖಾ"),
        surnames=_t("Gowda|ಗೌಡ, Shetty|ಶೆಟ್ಟಿ, Hegde|ಹೆಗ್ಡೆ, Naik|ನಾಯ್ಕ್, Rao|ರಾವ್"),
        weight=2,
    ),
    Region(
        key="malayalam",
        script="Malayalam",
        states=("KL",),
        style="north",
        male=_t(
            "Suresh|സുരേഷ്, Rajesh|രാജേഷ്, Anil|അനിൽ, Biju|ബിജു, Shaji|ഷാജി, "
            "Sreejith|ശ്രീജിത്ത്, Vinod|വിനോദ്, Thomas|തോമസ്, George|ജോർജ്, Joseph|ജോസഫ്, "
            "Mathew|മാത്യു"
        ),
        female=_t(
            "Sindhu|സിന്ധു, Deepa|ദീപ, Anjali|അഞ്ജലി, Reshma|രേഷ്മ, Mary|മേരി, Elizabeth|എലിസബത്ത്"
        ),
        surnames=_t("Nair|നായർ, Menon|മേനോൻ, Pillai|പിള്ള, Kurup|കുറുപ്പ്, Varghese|വർഗീസ്, Kurian|കുര്യൻ"),
        weight=2,
    ),
    Region(
        key="muslim",
        script="Devanagari",
        states=("UP", "BR", "DL", "TS", "MH"),
        style="muslim",
        male=_t(
            "Irfan|इरफ़ान, Imran|इमरान, Salman|सलमान, Arif|आरिफ़, Javed|जावेद, Shahid|शाहिद, "
            "Rashid|रशीद, Aslam|असलम, Sajid|साजिद, Wasim|वसीम, Naseem|नसीम"
        ),
        female=_t(
            "Fatima|फ़ातिमा, Ayesha|आयशा, Shabana|शबाना, Nazia|नाज़िया, Rukhsana|रुख़साना, "
            "Farzana|फ़रज़ाना, Shabnam|शबनम"
        ),
        surnames=_t(
            "Khan|ख़ान, Ansari|अंसारी, Qureshi|क़ुरैशी, Shaikh|शेख़, Siddiqui|सिद्दीक़ी, "
            "Ahmed|अहमद, Malik|मलिक"
        ),
        weight=3,
    ),
)

# Muslim name prefixes and female name endings (Latin|Devanagari).
MUSLIM_PREFIX = _t("Mohammed|मोहम्मद, Abdul|अब्दुल")
MUSLIM_FEMALE_SURNAME = _t("Begum|बेगम, Khatoon|ख़ातून")
DEVI = "Devi|देवी"
SINGH_LOCAL = "Singh|ਸਿੰਘ"
KAUR_LOCAL = "Kaur|ਕੌਰ"

# Spellings of the same name that different clerks write. The first is the form the generator
# starts from; a rendering picks another now and then.
VARIANTS: dict[str, tuple[str, ...]] = {
    "Mohammed": ("Mohd", "Md", "Muhammad", "Mohammad", "Mohamed"),
    "Laxmi": ("Lakshmi", "Luxmi"),
    "Lakshmi": ("Laxmi", "Lakshmy", "Letchumi"),
    "Srinivas": ("Shrinivas", "Sreenivas", "Srinivasa", "Seenu"),
    "Chaudhary": ("Choudhary", "Chowdhury", "Chaudhari"),
    "Chowdary": ("Choudary", "Chowdhary"),
    "Shaikh": ("Sheikh", "Shekh"),
    "Kavita": ("Kavitha",),
    "Kavitha": ("Kavita",),
    "Geeta": ("Gita", "Geetha"),
    "Sunita": ("Suneeta",),
    "Rajendra": ("Rajender", "Rajinder", "Rajendar"),
    "Deepak": ("Dipak",),
    "Mukherjee": ("Mukherji", "Mukhopadhyay"),
    "Banerjee": ("Banerji", "Bandyopadhyay"),
    "Chatterjee": ("Chatterji", "Chattopadhyay"),
    "Pooja": ("Puja",),
    "Vijay": ("Vijai", "Bijay"),
    "Bijay": ("Vijay", "Bijoy"),
    "Subhas": ("Subhash", "Shubhas"),
    "Sourav": ("Saurav", "Sourabh"),
    "Debashis": ("Debasis", "Debasish"),
    "Debasis": ("Debashis", "Debasish"),
    "Yadav": ("Yadava",),
    "Mishra": ("Misra",),
    "Tiwari": ("Tiwary", "Tewari"),
    "Srivastava": ("Shrivastav", "Srivastav"),
    "Gurpreet": ("Gurprit",),
    "Sukhwinder": ("Sukhvinder", "Sukhwindar"),
    "Jadhav": ("Jadav",),
    "Karthik": ("Karthick", "Kartik"),
    "Venkatesh": ("Venkatesan", "Venkatesha"),
    "Manjunath": ("Manjunatha",),
    "Nagaraj": ("Nagaraju", "Nagraj"),
    "Basavaraj": ("Basavaraju",),
    "Shivakumar": ("Sivakumar", "Shivkumar"),
    "Sreejith": ("Srijith",),
    "Varghese": ("Verghese", "Vargese"),
    "Joseph": ("Jose",),
    "Irfan": ("Irphan",),
    "Qureshi": ("Kureshi", "Quraishi"),
    "Siddiqui": ("Siddiqi", "Sidiqui"),
    "Ahmed": ("Ahmad",),
    "Fatima": ("Fathima",),
    "Ayesha": ("Aisha", "Ayisha"),
    "Sahoo": ("Sahu",),
    "Mohanty": ("Mahanty", "Mohanti"),
    "Pandey": ("Pande", "Panday"),
    "Prasanta": ("Prashant", "Prasant"),
    "Naresh": ("Naresh",),
    "Ramesh": ("Rameshwar",),
    "Santosh": ("Santhosh",),
    "Pradeep": ("Pradip",),
    "Dattatray": ("Dattatraya",),
    "Gowda": ("Gouda",),
    "Reddy": ("Reddi",),
    "Kumar": ("Kumaar",),
}

# Nicknames that stand as `@` aliases (`RAJU @ RAJENDRA`).
NICKNAMES = _t(
    "Raju, Pappu, Munna, Guddu, Bablu, Chotu, Tinku, Bittu, Sonu, Monu, Bunty, Kallu, Lallu, "
    "Golu, Rinku, Pintu, Babloo, Kalia, Shera, Bhola"
)

HONORIFICS_MALE = ("SHRI", "SH", "MR", "SRI")
HONORIFICS_FEMALE = ("SMT", "KUMARI", "MS", "MRS")

# Foreigners (IVFRT): nationality code, surnames and given names as on a passport (Latin only).
FOREIGNERS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    # code: (surnames, male given names, female given names)
    "NGA": (
        _t("OKAFOR, ADEBAYO, EZE, OKONKWO, BELLO"),
        _t("CHINEDU EMMANUEL, OLUWASEUN, IFEANYI, TUNDE, CHUKWUEMEKA"),
        _t("NGOZI, CHIAMAKA, ADAEZE, FUNMILAYO"),
    ),
    "AFG": (
        _t("AHMADI, KARIMI, RAHIMI, NOORI, SAFI"),
        _t("MOHAMMAD NASEER, ABDUL WALI, AHMAD SHAH, FARID"),
        _t("FARZANA, MARYAM, ZARGHONA"),
    ),
    "BGD": (
        _t("HOSSAIN, AKTER, RAHMAN, ISLAM, UDDIN"),
        _t("MOHAMMAD RAFIQ, ABDUL KARIM, SHAHIDUL, MIZANUR"),
        _t("NASRIN, RUMANA, SHIRIN, TASLIMA"),
    ),
    "NPL": (
        _t("GURUNG, TAMANG, THAPA, SHRESTHA, RAI"),
        _t("BIKASH, RAMESH, SURAJ, DIPENDRA"),
        _t("SITA, SABINA, PRAMILA, ANITA"),
    ),
    "USA": (
        _t("SMITH, MILLER, JOHNSON, BROWN, DAVIS"),
        _t("JOHN MICHAEL, DAVID, ROBERT JAMES, DANIEL"),
        _t("EMILY, SARAH ANNE, JESSICA"),
    ),
    "GBR": (
        _t("TAYLOR, WILSON, EVANS, WRIGHT"),
        _t("JAMES, OLIVER, THOMAS EDWARD, HARRY"),
        _t("SOPHIE, CHARLOTTE, EMMA LOUISE"),
    ),
    "UZB": (
        _t("KARIMOV, YUSUPOV, RASHIDOV, ALIEV"),
        _t("RUSTAM, BEKZOD, SARDOR, JAMSHID"),
        _t("DILNOZA, MALIKA, NODIRA"),
    ),
    "CHN": (
        _t("WANG, LI, ZHANG, LIU, CHEN"),
        _t("WEI, JUN, HAO, QIANG"),
        _t("NA, FANG, JING, LI"),
    ),
}

# States: code, full name (NCRP sends full names), districts and a police-station name per
# district, and the RTO numbers used in registration and licence numbers.
STATES: dict[str, tuple[str, tuple[str, ...], tuple[str, ...]]] = {
    "UP": ("Uttar Pradesh", _t("Lucknow, Kanpur Nagar, Varanasi, Agra"), _t("Hazratganj, Kotwali")),
    "BR": ("Bihar", _t("Patna, Gaya, Muzaffarpur"), _t("Gandhi Maidan, Kotwali")),
    "MP": ("Madhya Pradesh", _t("Bhopal, Indore, Gwalior"), _t("TT Nagar, Vijay Nagar")),
    "RJ": ("Rajasthan", _t("Jaipur, Jodhpur, Kota"), _t("Sindhi Camp, Ratanada")),
    "DL": ("Delhi", _t("New Delhi, East Delhi, South Delhi"), _t("Connaught Place, Shakarpur")),
    "HR": ("Haryana", _t("Gurugram, Rohtak, Panipat"), _t("Sector 29, Civil Lines")),
    "PB": ("Punjab", _t("Ludhiana, Amritsar, Jalandhar"), _t("Division No 5, Kotwali")),
    "MH": ("Maharashtra", _t("Pune City, Mumbai, Nagpur"), _t("Shivajinagar, Kothrud, Dadar")),
    "WB": ("West Bengal", _t("Kolkata, Howrah, Hooghly"), _t("Park Street, Shibpur")),
    "GJ": ("Gujarat", _t("Ahmedabad, Surat, Vadodara"), _t("Navrangpura, Athwa")),
    "OD": ("Odisha", _t("Khordha, Cuttack, Ganjam"), _t("Capital, Lalbag")),
    "TN": ("Tamil Nadu", _t("Chennai, Coimbatore, Madurai"), _t("Tambaram, Puzhal")),
    "AP": ("Andhra Pradesh", _t("Visakhapatnam, Guntur, Krishna"), _t("One Town, Arundelpet")),
    "TS": ("Telangana", _t("Hyderabad, Warangal, Rangareddy"), _t("Banjara Hills, Subedari")),
    "KA": ("Karnataka", _t("Bengaluru Urban, Mysuru, Belagavi"), _t("Jayanagar, Devaraja")),
    "KL": ("Kerala", _t("Thiruvananthapuram, Ernakulam, Kozhikode"), _t("Museum, Kadavanthra")),
}

# How NCRP's drop-downs and free-text fields have written these states over the years: old names,
# spellings, abbreviations, upper case, the state's own script. Real complaints carry them.
STATE_NAME_VARIANTS: dict[str, tuple[str, ...]] = {
    "UP": ("U.P.", "Uttar pradesh", "UTTAR PRADESH", "उत्तर प्रदेश"),
    "BR": ("BIHAR", "बिहार"),
    "MP": ("M.P.", "Madhya pradesh", "मध्य प्रदेश"),
    "RJ": ("RAJASTHAN", "Rajsthan"),
    "DL": ("NCT of Delhi", "Delhi (NCT)", "New Delhi", "दिल्ली"),
    "HR": ("Hariyana", "HARYANA"),
    "PB": ("Panjab", "ਪੰਜਾਬ"),
    "MH": ("Maharastra", "MAHARASHTRA", "Maharashtra State", "महाराष्ट्र"),
    "WB": ("W. Bengal", "West-Bengal", "পশ্চিমবঙ্গ"),
    "GJ": ("Gujrat", "ગુજરાત"),
    "OD": ("Orissa", "ODISHA", "ଓଡ଼ିଶା"),
    "TN": ("Tamilnadu", "TAMIL NADU", "தமிழ்நாடு"),
    "AP": ("ANDHRA PRADESH", "ఆంధ్ర ప్రదేశ్"),
    "TS": ("Telengana", "TELANGANA", "తెలంగాణ"),
    "KA": ("Karnataka State", "KARNATAKA", "ಕರ್ನಾಟಕ"),
    "KL": ("Kerela", "Keralam", "കേരളം"),
}

LOCALITIES = _t(
    "Ganesh Peth, Shanti Nagar, Gandhi Nagar, Nehru Colony, Station Road, Main Bazar, "
    "Civil Lines, Ram Nagar, Azad Nagar, Indira Colony, Subhash Marg, Ward No 7, Old Town, "
    "Sector 12, MG Road, Kamla Nagar, Rajiv Chowk, Patel Nagar"
)
