"""Name pools for the synthetic renderer, by community, in the spelling most records use.

Independent of `simulators/` on purpose (the world generator is built in parallel and must not
share our assumptions) and of `matching/` (the benchmark must not be built from the matcher's own
tables). Each community lists male and female given names, surnames, and the script its local
records are written in.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Community:
    name: str
    script: str  # indic_transliteration scheme name
    male: tuple[str, ...]
    female: tuple[str, ...]
    surnames: tuple[str, ...]
    weight: float
    # Tamil convention: a father's-name initial before the given name, no family surname
    patronymic: bool = False


def _w(text: str) -> tuple[str, ...]:
    return tuple(text.split())


COMMUNITIES: tuple[Community, ...] = (
    Community(
        "hindi",
        "devanagari",
        _w(
            "Rajesh Ramesh Suresh Mahesh Dinesh Rakesh Mukesh Naresh Sanjay Ajay Vijay Anil Sunil "
            "Manoj Ashok Vinod Pramod Santosh Deepak Pankaj Rahul Amit Sumit Rohit Mohit Ankit "
            "Vikas Vivek Alok Arun Varun Tarun Pawan Sachin Nitin Ravi Shyam Ram Mohan Sohan "
            "Gopal Krishna Rajendra Surendra Narendra Mahendra Jitendra Virendra Devendra "
            "Upendra Yogendra Dharmendra Satish Harish Girish Kamal Vimal Nirmal Bharat Lalit "
            "Brijesh Awadhesh Umesh Yogesh Rupesh Shailendra Raghav Madhav Keshav Gaurav Saurabh "
            "Abhishek Akash Prakash Subhash Kailash Om Hari Shiv Sunder Raju Pappu Bablu Munna"
        ),
        _w(
            "Sunita Anita Kavita Savita Lalita Geeta Seema Reena Meena Neha Pooja Priya Anjali "
            "Kiran Rekha Usha Asha Nisha Manju Sangeeta Sarita Mamta Kamla Vimla Shanti Laxmi "
            "Radha Sita Parvati Saraswati Sushila Urmila Pushpa Suman Poonam Preeti Jyoti Aarti "
            "Ritu Sonia Shalini Swati Deepa Rashmi Nirmala Pratibha Kusum Sudha Shobha Babita"
        ),
        _w(
            "Sharma Verma Gupta Singh Yadav Mishra Tiwari Pandey Dubey Shukla Srivastava Saxena "
            "Agarwal Jain Chaudhary Thakur Chauhan Rajput Tripathi Trivedi Chaturvedi Dwivedi "
            "Upadhyay Bajpai Awasthi Dixit Mehrotra Kapoor Malhotra Khanna Arora Sethi Bhatia "
            "Maurya Kushwaha Prajapati Rathore Tomar Sisodia Negi Rawat Bisht Joshi Pant"
        ),
        4.0,
    ),
    Community(
        "marathi",
        "devanagari",
        _w(
            "Rajendra Sachin Sandeep Santosh Prakash Ganesh Mahesh Sunil Anil Vijay Sanjay "
            "Dnyaneshwar Vitthal Balasaheb Dattatray Shrikant Prashant Nilesh Sagar Tushar "
            "Amol Rahul Swapnil Vaibhav Yogesh Ramdas Tukaram Eknath Pandurang Shivaji"
        ),
        _w(
            "Sunita Vaishali Ashwini Snehal Pallavi Manisha Supriya Savita Lata Sulochana "
            "Shubhangi Madhuri Rupali Jayashree Vandana Ujwala Sarika Kalpana Archana Rohini"
        ),
        _w(
            "Patil Pawar Jadhav Shinde Deshmukh Kulkarni Deshpande Joshi Gaikwad Kale More "
            "Chavan Bhosale Salunkhe Mane Kadam Sawant Shirke Thorat Wagh Gokhale Apte Phadke"
        ),
        1.5,
    ),
    Community(
        "punjabi",
        "gurmukhi",
        _w(
            "Gurpreet Harpreet Manpreet Jaswinder Sukhwinder Balwinder Harjit Gurdeep Kuldeep "
            "Paramjit Amarjit Ranjit Jagdeep Harbhajan Gurmeet Satnam Navdeep Lakhvir Iqbal "
            "Sukhdev Baldev Hardev Jasbir Ravinder Tejinder Inderjit Manjit Daljit Rajinder"
        ),
        _w(
            "Gurpreet Harpreet Manpreet Jasleen Simran Navneet Kiranjit Paramjit Amarjit Rajwant "
            "Sukhjit Harjeet Baljit Kulwant Gurmeet Jaspreet Ravneet Mandeep Harleen Inderjit"
        ),
        _w(
            "Singh Kaur Gill Sandhu Sidhu Dhillon Grewal Brar Bajwa Randhawa Virk Cheema Sekhon "
            "Mann Aulakh Bains Chahal Dhaliwal Hundal Johal Sohal Toor Khaira Deol"
        ),
        1.2,
    ),
    Community(
        "bengali",
        "bengali",
        _w(
            "Sourav Debashis Subhash Amit Arijit Partha Sandip Tapas Biswajit Sanjib Prasenjit "
            "Anirban Indranil Kaushik Subrata Sudip Tanmoy Abhijit Ranjan Dipankar Pradip Goutam "
            "Shyamal Swapan Ashim Bikash Bijoy Nirmal Utpal Sujit"
        ),
        _w(
            "Mousumi Paromita Sharmila Rupa Soma Mitali Tanushree Sudeshna Moumita Ruma Shampa "
            "Anindita Debjani Sarmistha Madhumita Bulbul Rina Dipali Chandana Kakoli"
        ),
        _w(
            "Chatterjee Banerjee Mukherjee Ganguly Bhattacharya Chakraborty Das Dutta Ghosh Bose "
            "Sen Roy Biswas Mondal Saha Paul Sarkar Majumdar Pal Haldar Basak Mitra Kundu Nandi"
        ),
        1.5,
    ),
    Community(
        "gujarati",
        "gujarati",
        _w(
            "Rameshbhai Maheshbhai Jayesh Hitesh Paresh Nilesh Bharat Kirit Dilip Ketan Alpesh "
            "Bhavesh Chirag Hardik Jignesh Mehul Nirav Pankaj Rajnikant Yogesh Dhaval Vipul"
        ),
        _w(
            "Hansaben Jayshree Bhavna Daksha Hetal Kinjal Nayna Falguni Rekha Sejal Varsha Minal "
            "Komal Rinku Shilpa Darshana"
        ),
        _w(
            "Patel Shah Mehta Desai Joshi Trivedi Parmar Solanki Chauhan Modi Gandhi Thakkar "
            "Vaghela Jadeja Rathod Panchal Prajapati Makwana Bhatt Pandya"
        ),
        1.2,
    ),
    Community(
        "tamil",
        "tamil",
        _w(
            "Murugan Senthil Karthik Saravanan Selvam Ramesh Suresh Kumar Arumugam Palani "
            "Subramanian Venkatesh Rajesh Balaji Prakash Manikandan Vijay Anand Sekar Muthu "
            "Kannan Ganesan Shankar Velu Raja Sivakumar Prabhu Dinesh Karthikeyan Elangovan"
        ),
        _w(
            "Lakshmi Meena Priya Kavitha Revathi Selvi Malathi Vasuki Kalaivani Tamilselvi "
            "Deepa Saranya Gayathri Sangeetha Anitha Jayanthi Sumathi Bhuvana Pushpa Vijaya"
        ),
        _w(
            "Kandasamy Ramasamy Palanisamy Subramaniam Krishnan Rajendran Murugesan Shanmugam "
            "Natarajan Sundaram Raman Velusamy Arumugam Chinnasamy Perumal Annamalai Ramalingam "
            "Chandran Kumaravel Balasubramanian"
        ),
        1.8,
        patronymic=True,
    ),
    Community(
        "telugu",
        "telugu",
        _w(
            "Srinivas Venkata Ramana Satyanarayana Nagaraju Ramakrishna Suresh Ravi Prasad "
            "Chandra Sekhar Mahesh Naveen Praveen Kiran Venkatesh Anjaneyulu Subba Rao Koteswara "
            "Srikanth Raghavendra Narasimha Madhusudhan"
        ),
        _w(
            "Lakshmi Padma Sravani Swapna Anusha Bhavani Sujatha Madhavi Sirisha Kalyani "
            "Jyothi Aruna Sarada Vani Rama Durga Sunitha Haritha"
        ),
        _w(
            "Reddy Naidu Rao Chowdary Varma Raju Sastry Murthy Goud Yadav Setty Prasad Kumar "
            "Babu Naik Rayudu Gupta"
        ),
        1.5,
    ),
    Community(
        "kannada",
        "kannada",
        _w(
            "Manjunath Nagaraj Ravi Shivakumar Basavaraj Mahadev Siddaramaiah Prakash Suresh "
            "Gangadhar Mallikarjun Chandrashekar Harish Girish Umesh Santosh Raghu Shankar"
        ),
        _w(
            "Lakshmi Geetha Shobha Savitha Roopa Kavya Shwetha Ashwini Suma Nagaveni Pushpa "
            "Sowmya Rekha Jayamma"
        ),
        _w(
            "Gowda Shetty Hegde Naik Patil Kulkarni Bhat Rao Shetty Murthy Prasad Swamy Reddy "
            "Poojary Acharya"
        ),
        1.0,
    ),
    Community(
        "malayali",
        "malayalam",
        _w(
            "Unnikrishnan Rajan Suresh Biju Shaji Anil Sunil Saji Rajesh Manoj Sreejith Vinod "
            "Pradeep Jayakumar Gopakumar Ajith Sajeev Babu Thomas Joseph Mathew"
        ),
        _w(
            "Lakshmi Sreeja Bindu Sindhu Divya Remya Sheeba Ambili Deepthi Sreelatha Mini Jaya "
            "Suja Anju Mary Elizabeth"
        ),
        _w(
            "Nair Menon Pillai Kurup Nambiar Panicker Warrier Namboothiri Varghese Kurian Thomas "
            "Joseph Mathew Chacko"
        ),
        1.0,
    ),
    Community(
        "odia",
        "oriya",
        _w(
            "Jagannath Pradeep Bijay Prasanta Sudhir Manas Ashok Ranjan Debasis Saroj Bikram "
            "Subash Akshaya Purna Chandra Niranjan Dillip"
        ),
        _w("Sasmita Pravati Jyotsna Mamata Sabita Namita Pramila Sulochana Kalpana Subhadra"),
        _w(
            "Mohapatra Mohanty Patnaik Das Nayak Sahoo Behera Mishra Panda Swain Rout Pradhan "
            "Jena Sethi Dash Parida Barik"
        ),
        0.8,
    ),
    Community(
        "muslim",
        "devanagari",
        _w(
            "Mohammed Mohammad Imran Irfan Salim Rashid Javed Shahid Aslam Arif Asif Nadeem "
            "Wasim Naseem Shakeel Jameel Anwar Akhtar Iqbal Sajid Zakir Faisal Sohail Tariq "
            "Mushtaq Abdul Rahim Karim Yusuf Ismail Ibrahim Farooq Aftab Shoaib Danish"
        ),
        _w(
            "Fatima Shabana Nasreen Parveen Rukhsana Shahnaz Farzana Ayesha Zainab Salma Reshma "
            "Naseem Tabassum Yasmin Rubina Nazia Sana Saira Afreen Gulnaz"
        ),
        _w(
            "Khan Ansari Qureshi Siddiqui Shaikh Sheikh Syed Hussain Ahmed Ali Mirza Pathan "
            "Malik Rizvi Naqvi Farooqui Usmani Chaudhary Mansuri Saifi"
        ),
        2.0,
    ),
)

NICKNAMES: tuple[str, ...] = _w(
    "Raju Pappu Bablu Munna Guddu Sonu Monu Chhotu Bunty Pintu Tinku Rinku Golu Lalu Kallu "
    "Babloo Bittu Dabbu Gudda Kalia Langda Tillu Shera Bhola"
)
